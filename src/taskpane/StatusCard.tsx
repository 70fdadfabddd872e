/** Where the account stands: state badge (icon + text, never colour alone), account, last sync, counts, and what to do. */
import { Badge, Button, Card, Skeleton, SkeletonItem, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { ReactElement } from 'react';
import type { ApiStatus } from '../core/api';
import { explain } from '../core/explain';
import { type ConnectionState, STATE_LABEL } from '../core/status';
import { ArrowSync20Regular, CheckmarkCircle20Filled, PlugDisconnected20Regular, ShieldError20Filled } from './icons';
import type { PaneError, SignedInAccount } from '../outlook/pane-port';
import type { Connection } from './useSyncState';
import { lastSyncCounts, plural, relativeTime, watchWords } from './words';

const useStyles = makeStyles({
  card: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  row: { display: 'flex', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalS, rowGap: tokens.spacingVerticalXS, alignItems: 'center' },
  heading: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  cause: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalXXS },
  muted: { color: tokens.colorNeutralForeground2 },
});

const BADGE: Record<ConnectionState, { color: 'success' | 'danger' | 'warning' | 'brand'; icon: ReactElement }> = {
  connected: { color: 'success', icon: <CheckmarkCircle20Filled /> },
  disconnected: { color: 'warning', icon: <PlugDisconnected20Regular /> },
  'authorisation-failed': { color: 'danger', icon: <ShieldError20Filled /> },
  syncing: { color: 'brand', icon: <ArrowSync20Regular /> },
};

export interface StatusCardProps {
  connection: Connection;
  account: SignedInAccount | null | undefined;
  status?: ApiStatus;
  counts?: { queue: number; failed: number };
  /** A sign-in failure that did not change the connection (e.g. the sign-in window was closed). */
  problem?: PaneError;
  busy?: boolean;
  /** Reconnect signs in to Office 365; an IMAP account reconnects by authenticating again in its panel. */
  canReconnect?: boolean;
  now: Date;
  onSignIn(): void;
  onReconnect(): void;
  onTroubleshoot(): void;
}

export function StatusCard(props: StatusCardProps) {
  const styles = useStyles();
  const { connection, account, status, counts, problem, now } = props;
  const badge = BADGE[connection.state];
  const imapUser = status?.account.kind === 'imap' ? status.account.username : undefined;
  const cause = connection.cause ?? problem?.code;
  const why = cause && connection.state !== 'connected' && connection.state !== 'syncing' ? explain(cause) : undefined;
  const signInTrouble = !why && problem ? explain(problem.code) : undefined;
  const last = status?.lastSync;
  const notConnected = connection.state === 'disconnected' || connection.state === 'authorisation-failed';
  // Automatic filing (an IMAP watch, or an Office 365 grant) only speaks while the account can file:
  // a watch stops when the password or the grant is refused.
  const syncButton = status?.account.kind === 'imap' ? 'Start Sync' : 'Sync Queue folder';
  const watch = !notConnected ? watchWords(status?.account.watch, now, syncButton) : [];

  return (
    <Card className={styles.card} aria-labelledby="status-heading">
      <h2 id="status-heading" className={styles.heading}>
        Email sync status
      </h2>
      <div role="status" aria-live="polite" className={styles.row}>
        <Badge appearance="tint" color={badge.color} icon={badge.icon} size="large">
          {STATE_LABEL[connection.state]}
        </Badge>
      </div>
      {account ? (
        <Text>
          Signed in as {account.name} ({account.email})
        </Text>
      ) : imapUser ? (
        <Text>Syncing mail for {imapUser}</Text>
      ) : account === null ? (
        <Text>Not signed in</Text>
      ) : null}
      {last && (
        <Text className={styles.muted}>
          Last sync {relativeTime(last.finishedAt, now)}: {lastSyncCounts(last)}
        </Text>
      )}
      <WatchLines lines={watch} />
      {counts && (
        <div className={styles.row}>
          <Text>{plural(counts.queue, 'mail')} waiting in Queue</Text>
          <Text aria-hidden="true">·</Text>
          <Text>{plural(counts.failed, 'mail')} in Failed</Text>
        </div>
      )}
      {why && (
        <div className={styles.cause}>
          <Text weight="semibold">{why.title}</Text>
          <Text>{why.explanation}</Text>
          <Text className={styles.muted}>{why.nextStep.hint}</Text>
        </div>
      )}
      {signInTrouble && (
        <div className={styles.cause}>
          <Text weight="semibold">Sign-in didn’t finish: {signInTrouble.title}</Text>
          <Text className={styles.muted}>{signInTrouble.nextStep.hint}</Text>
        </div>
      )}
      <div className={styles.row}>
        {connection.needsSignIn && (
          <Button appearance="primary" onClick={props.onSignIn} disabled={props.busy}>
            Sign in
          </Button>
        )}
        {!connection.needsSignIn && notConnected && props.canReconnect !== false && (
          <Button appearance="primary" onClick={props.onReconnect} disabled={props.busy}>
            Reconnect account
          </Button>
        )}
        {notConnected && (
          <Button appearance="secondary" onClick={props.onTroubleshoot}>
            Troubleshoot
          </Button>
        )}
      </div>
    </Card>
  );
}

/** Automatic filing's lines: the first as it is, the rest muted. */
function WatchLines({ lines }: { lines: string[] }) {
  const styles = useStyles();
  if (lines.length === 0) return null;
  return (
    <div className={styles.cause}>
      {lines.map((line, i) => (
        <Text key={line} className={i > 0 ? styles.muted : undefined}>
          {line}
        </Text>
      ))}
    </div>
  );
}

/** Shown before the services load, so the pane paints at once. */
export function StatusCardSkeleton() {
  const styles = useStyles();
  return (
    <Card className={styles.card} aria-busy="true">
      <Skeleton aria-label="Loading email sync status">
        <SkeletonItem shape="rectangle" size={24} />
        <SkeletonItem shape="rectangle" size={16} />
        <SkeletonItem shape="rectangle" size={16} />
      </Skeleton>
    </Card>
  );
}

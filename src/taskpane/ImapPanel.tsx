/** Other mail providers (IMAP): connect once with the mail account's own credentials, then Start Sync server-side. */
import { Button, Field, Input, Link, MessageBar, MessageBarBody, MessageBarTitle, Text, makeStyles, tokens } from '@fluentui/react-components';
import { type FormEvent, useMemo, useState } from 'react';
import { explain } from '../core/explain';
import { FixingContext, useFixing } from './fix-context';
import { ImapFailedList, imapFixingOf, notifying } from './ImapFailedList';
import { RunView } from './RunView';
import { StopSyncDialog } from './StopSyncDialog';
import type { ImapConnectRequest, PaneError } from '../outlook/pane-port';
import type { RunState } from './useSyncState';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalM },
  form: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  buttons: { display: 'flex', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalS, rowGap: tokens.spacingVerticalS },
});

export interface ImapPanelProps {
  /** false when the branch has no IMAP server settings yet. */
  branchConfigured: boolean;
  /** The branch's mail server is reached without SSL or TLS. */
  insecure?: boolean;
  connected: boolean;
  username?: string;
  error?: PaneError;
  busy?: boolean;
  run: RunState;
  /** Shown when the pane is for an Office 365 mailbox and the user came here by the link. */
  onBack?(): void;
  onAuthenticate(req: ImapConnectRequest): Promise<boolean>;
  onStartSync(): void;
  onStop(): void;
  onCancel(): void;
  onRetry(): void;
  onTroubleshoot(): void;
}

/** Connected: Start Sync, Stop Email Sync, the run, and the Failed mails with Fix. */
function ConnectedView(props: ImapPanelProps) {
  const styles = useStyles();
  const running = props.run.phase === 'running';
  // Every fix or undo in this panel (the Failed list's, the results list's) reads Failed and the counts again.
  const [changes, setChanges] = useState(0);
  const imapFixing = imapFixingOf(useFixing());
  const fixing = useMemo(() => imapFixing && notifying(imapFixing, () => setChanges((n) => n + 1)), [imapFixing]);
  return (
    <>
      <Text>
        {props.username ? `Connected as ${props.username}.` : 'Your email account is connected.'} Move mails into the Rezi-Imported Queue folder from any mail
        client, then start the sync.
      </Text>
      <div className={styles.buttons}>
        <Button appearance="primary" onClick={props.onStartSync} disabledFocusable={running || props.busy}>
          Start Sync
        </Button>
        <StopSyncDialog
          description="This deletes the email password stored for you in Rezi; nothing more is synced until you authenticate again."
          disabled={props.busy}
          onConfirm={props.onStop}
        />
      </div>
      <FixingContext.Provider value={fixing}>
        <RunView run={props.run} onCancel={props.onCancel} onRetry={props.onRetry} onTroubleshoot={props.onTroubleshoot} />
        {fixing && <ImapFailedList api={fixing} refreshKey={changes} paused={running} />}
      </FixingContext.Provider>
    </>
  );
}

export function ImapPanel(props: ImapPanelProps) {
  const styles = useStyles();
  const [username, setUsername] = useState(props.username ?? '');
  const [password, setPassword] = useState('');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await props.onAuthenticate({ username: username.trim(), password });
    // Never keep the password in memory longer than the request needs it.
    if (!ok) setPassword('');
  };

  const notConfigured = explain('not-configured');
  const failure = props.error ? explain(props.error.code) : undefined;

  return (
    <section className={styles.root} aria-labelledby="imap-heading">
      <h2 id="imap-heading" style={{ margin: 0, fontSize: tokens.fontSizeBase400 }}>
        Email sync for other providers (IMAP)
      </h2>
      {props.branchConfigured && props.insecure && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>This connection is not encrypted</MessageBarTitle> Your branch’s mail server is set up without SSL or TLS, so your email password
            crosses the network as plain text. Ask your IT support to turn on SSL or TLS for the branch.
          </MessageBarBody>
        </MessageBar>
      )}
      {!props.branchConfigured ? (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>{notConfigured.title}</MessageBarTitle> {notConfigured.explanation} {notConfigured.nextStep.hint}
          </MessageBarBody>
        </MessageBar>
      ) : props.connected ? (
        <ConnectedView {...props} />
      ) : (
        <form className={styles.form} onSubmit={submit} autoComplete="off" aria-describedby="imap-intro">
          <Text id="imap-intro">Enter the username (or address) and password of the email account you want to sync.</Text>
          <Field label="Email username or address" required>
            <Input value={username} onChange={(_, d) => setUsername(d.value)} autoComplete="off" spellCheck={false} />
          </Field>
          <Field label="Email password" required hint="This is your email account password, not your Rezi password.">
            <Input type="password" value={password} onChange={(_, d) => setPassword(d.value)} autoComplete="off" />
          </Field>
          {failure && (
            <MessageBar intent="error" layout="multiline">
              <MessageBarBody>
                <MessageBarTitle>{failure.title}</MessageBarTitle> {failure.explanation} {failure.nextStep.hint}
              </MessageBarBody>
            </MessageBar>
          )}
          <div className={styles.buttons}>
            <Button appearance="primary" type="submit" disabled={props.busy || !username.trim() || !password}>
              {props.busy ? 'Authenticating…' : 'Authenticate'}
            </Button>
          </div>
        </form>
      )}
      {props.onBack && (
        <Link as="button" onClick={props.onBack}>
          Back to Office 365 sync
        </Link>
      )}
    </section>
  );
}

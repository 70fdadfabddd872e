/** Settings and help: Stop Email Sync (Office 365), the Help link to the troubleshooter, the app version. */
import { Link, Text, makeStyles, tokens } from '@fluentui/react-components';
import { StopSyncDialog } from './StopSyncDialog';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    justifyContent: 'space-between',
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalS,
    borderTop: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    paddingTop: tokens.spacingVerticalM,
  },
  muted: { color: tokens.colorNeutralForeground2 },
});

export interface FooterProps {
  version: string;
  /** Offer Stop Email Sync (someone is signed in to Office 365). */
  canStop: boolean;
  busy?: boolean;
  onStop(): void;
  onHelp(): void;
  /** Offer the IMAP panel (the link is hidden when already there). */
  onUseImap?(): void;
}

export function Footer({ version, canStop, busy, onStop, onHelp, onUseImap }: FooterProps) {
  const styles = useStyles();
  return (
    <footer className={styles.root}>
      {canStop && (
        <StopSyncDialog
          description="This signs you out of Rezi Email Sync and clears the cached sign-in tokens on this device. To start again, sign in."
          disabled={busy}
          onConfirm={onStop}
        />
      )}
      {onUseImap && (
        <Link as="button" onClick={onUseImap}>
          Use another email provider (IMAP)
        </Link>
      )}
      <Link as="button" onClick={onHelp}>
        Help
      </Link>
      <Text size={200} className={styles.muted}>
        Version {version}
      </Text>
    </footer>
  );
}

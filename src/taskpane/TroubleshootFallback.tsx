/** Stands in for the Troubleshoot view until it lands: the cause in the shared words and the next step. */
import { Button, Text, makeStyles, tokens } from '@fluentui/react-components';
import { explain } from '../core/explain';
import type { TroubleshootViewProps } from './troubleshoot';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  buttons: { display: 'flex', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalS, rowGap: tokens.spacingVerticalS },
});

export function TroubleshootFallback({ connection, lastError, onReconnect, onClearCachedSession, onBack }: TroubleshootViewProps) {
  const styles = useStyles();
  const cause = connection.cause ?? lastError?.code;
  const why = cause ? explain(cause) : undefined;
  return (
    <section className={styles.root} aria-labelledby="troubleshoot-heading">
      <h2 id="troubleshoot-heading" style={{ margin: 0, fontSize: tokens.fontSizeBase400 }}>
        Troubleshoot email sync
      </h2>
      {why ? (
        <>
          <Text weight="semibold">{why.title}</Text>
          <Text>{why.explanation}</Text>
          <Text>{why.nextStep.hint}</Text>
        </>
      ) : (
        <Text>No problem has been detected. If mails aren’t appearing in Rezi, reconnecting usually fixes most sync issues within a few minutes.</Text>
      )}
      <div className={styles.buttons}>
        <Button appearance="primary" onClick={() => void onReconnect()}>
          Reconnect account
        </Button>
        <Button onClick={() => void onClearCachedSession()}>Clear cached sign-in</Button>
        <Button onClick={onBack}>Back</Button>
      </div>
    </section>
  );
}

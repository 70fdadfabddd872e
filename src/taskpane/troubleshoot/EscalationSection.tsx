/** "Rezi support": escalation (open once the user's own steps are done, or nothing was found to fix) and the copy of the report. */
import { Button, MessageBar, MessageBarBody, MessageBarTitle, Spinner, Text } from '@fluentui/react-components';
import { useTroubleshootStyles } from './styles';
import type { Escalation } from './useEscalation';

export interface EscalationSectionProps {
  open: boolean;
  busy: boolean;
  canCopy: boolean;
  escalation: Escalation;
  copied?: string;
  onEscalate(): void;
  onCopy(): void;
}

function EscalationOutcome({ escalation, copied }: Pick<EscalationSectionProps, 'escalation' | 'copied'>) {
  return (
    <div role="status" aria-live="polite">
      {escalation.phase === 'sending' && <Spinner size="tiny" label="Sending the report…" />}
      {escalation.phase === 'sent' && (
        <MessageBar intent="success" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Escalated to Rezi support</MessageBarTitle>
            Your case reference is <strong>{escalation.reference}</strong>. Our technical team will review it; quote the reference if you contact us.
          </MessageBarBody>
        </MessageBar>
      )}
      {copied && <Text>{copied}</Text>}
    </div>
  );
}

export function EscalationSection({ open, busy, canCopy, escalation, copied, onEscalate, onCopy }: EscalationSectionProps) {
  const styles = useTroubleshootStyles();
  return (
    <section className={styles.section} aria-labelledby="escalate-heading">
      <h3 id="escalate-heading" className={styles.subheading}>
        Rezi support
      </h3>
      {!open && <Text size={200}>Escalation opens once you’ve worked through the steps above, or when the checks find nothing to fix.</Text>}
      <div className={styles.buttons}>
        <Button
          appearance={open ? 'primary' : 'secondary'}
          disabled={!open || busy || escalation.phase === 'sending' || escalation.phase === 'sent'}
          onClick={onEscalate}
        >
          Escalate to Rezi support
        </Button>
        <Button disabled={!canCopy} onClick={onCopy}>
          Copy report
        </Button>
      </div>
      <EscalationOutcome escalation={escalation} copied={copied} />
      {escalation.phase === 'failed' && (
        <MessageBar intent="error" role="alert" layout="multiline">
          <MessageBarBody>{escalation.message}</MessageBarBody>
        </MessageBar>
      )}
    </section>
  );
}

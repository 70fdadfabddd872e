/** "What Rezi checked": each automatic check with its outcome, while they run and once finished. */
import { Spinner, Text } from '@fluentui/react-components';
import { CheckmarkCircle20Filled } from '@fluentui/react-icons/svg/checkmark-circle';
import { ErrorCircle20Filled } from '@fluentui/react-icons/svg/error-circle';
import { SubtractCircle20Regular } from '@fluentui/react-icons/svg/subtract-circle';
import { Warning20Filled } from '@fluentui/react-icons/svg/warning';
import type { CheckOutcome, Diagnosis } from '../../core/diagnosis';
import { useTroubleshootStyles } from './styles';

const OUTCOME_WORD: Record<CheckOutcome, string> = { pass: 'Passed', fail: 'Failed', warn: 'Warning', skipped: 'Not checked' };

function OutcomeIcon({ outcome, className }: { outcome: CheckOutcome; className: string }) {
  const props = { className, 'aria-hidden': true as const };
  if (outcome === 'pass') return <CheckmarkCircle20Filled {...props} />;
  if (outcome === 'fail') return <ErrorCircle20Filled {...props} />;
  if (outcome === 'warn') return <Warning20Filled {...props} />;
  return <SubtractCircle20Regular {...props} />;
}

export function ChecksSection({ checking, diagnosis }: { checking: boolean; diagnosis?: Diagnosis }) {
  const styles = useTroubleshootStyles();
  return (
    <section className={styles.section} aria-labelledby="checks-heading">
      <h3 id="checks-heading" className={styles.subheading}>
        What Rezi checked
      </h3>
      <div role="status" aria-live="polite">
        {checking ? <Spinner size="tiny" label="Checking your connection…" /> : diagnosis ? <Text>Checks finished: {diagnosis.title}.</Text> : null}
      </div>
      {diagnosis && (
        <ul className={styles.checks} aria-label="Automatic checks">
          {diagnosis.checks.map((c) => (
            <li key={c.id} className={styles.check}>
              <OutcomeIcon outcome={c.outcome} className={styles[c.outcome]} />
              <div>
                <Text weight="semibold">
                  {c.label}: {OUTCOME_WORD[c.outcome]}
                </Text>
                <br />
                <Text size={200}>{c.detail}</Text>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

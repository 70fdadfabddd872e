/** "Step by step": the support guide's steps for what cannot be checked automatically, one at a time. */
import { Button, Text } from '@fluentui/react-components';
import type { RefObject } from 'react';
import { GUIDED_STEPS, type GuidedFlowState, type GuidedStepId, answerStep, currentStep } from '../../core/guided-flow';
import { useTroubleshootStyles } from './styles';
import type { Fixes } from './useFixes';

/** The step's own fix, where the view can do it for the user. */
function StepAction({ id, fixes }: { id: GuidedStepId; fixes: Fixes }) {
  if (id === 'reconnect')
    return (
      <Button disabled={Boolean(fixes.busy)} onClick={() => void fixes.reconnect()}>
        Reconnect account
      </Button>
    );
  if (id === 'clear-cache')
    return (
      <Button disabled={Boolean(fixes.busy)} onClick={() => void fixes.clearCache()}>
        Clear cached sign-in
      </Button>
    );
  return null;
}

export interface GuidedStepsProps {
  flow: GuidedFlowState;
  setFlow(flow: GuidedFlowState): void;
  fixes: Fixes;
  headingRef: RefObject<HTMLHeadingElement | null>;
}

export function GuidedSteps({ flow, setFlow, fixes, headingRef }: GuidedStepsProps) {
  const styles = useTroubleshootStyles();
  const step = currentStep(flow);
  const stepNumber = GUIDED_STEPS.findIndex((s) => s.id === step.id) + 1;
  return (
    <section className={styles.section} aria-labelledby="guided-heading">
      <h3 id="guided-heading" className={styles.subheading} tabIndex={-1} ref={headingRef}>
        Step by step
      </h3>
      {flow.resolved ? (
        <div role="status" aria-live="polite">
          <Text>Glad it’s syncing again. Mails waiting in Queue will be filed on the next sync.</Text>
        </div>
      ) : (
        <div className={styles.section} aria-live="polite">
          <Text weight="semibold">
            Step {stepNumber} of {GUIDED_STEPS.length}: {step.title}
          </Text>
          <Text>{step.prompt}</Text>
          {step.id !== 'escalate' && (
            <div className={styles.buttons}>
              <StepAction id={step.id} fixes={fixes} />
              <Button onClick={() => setFlow(answerStep(flow, 'fixed'))}>{step.fixedLabel}</Button>
              <Button onClick={() => setFlow(answerStep(flow, 'still-failing'))}>{step.stillFailingLabel}</Button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

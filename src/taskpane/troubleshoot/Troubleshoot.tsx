/**
 * The Troubleshoot view: Rezi's support guide (seed 000) done by the product. It runs the checks a
 * support agent would ask for, shows each result, the likely cause in plain words and one next step;
 * below it, the guide's steps for what can't be checked automatically; a help box that recognises
 * the guide's trigger phrases; and escalation to Rezi support with a redacted diagnostics report.
 */
import { Button } from '@fluentui/react-components';
import { useRef, useState } from 'react';
import type { Diagnosis } from '../../core/diagnosis';
import { type GuidedFlowState, canEscalate, startGuidedFlow } from '../../core/guided-flow';
import type { TroubleshootViewProps } from '../troubleshoot';
import { CauseSection } from './CauseSection';
import { ChecksSection } from './ChecksSection';
import { EscalationSection } from './EscalationSection';
import { GuidedSteps } from './GuidedSteps';
import { HelpSection } from './HelpSection';
import { useTroubleshootStyles } from './styles';
import { useChecks } from './useChecks';
import { useEscalation } from './useEscalation';
import { useFixes } from './useFixes';

export interface TroubleshootProps extends TroubleshootViewProps {
  /** Clock (tests). */
  now?: () => Date;
}

/** Escalation opens once the user's own steps are done, or when the checks find nothing they can fix. */
function escalationOpen(diagnosis: Diagnosis | undefined, flow: GuidedFlowState): boolean {
  return Boolean(diagnosis) && (canEscalate(flow) || !diagnosis?.cause || diagnosis.cause === 'unknown' || diagnosis.nextStep.action === 'escalate');
}

export function Troubleshoot(props: TroubleshootProps) {
  const { onBack, clientVersion = 'unknown', now = () => new Date() } = props;
  const styles = useTroubleshootStyles();
  const checks = useChecks(props);
  const fixes = useFixes(checks);
  const [flow, setFlow] = useState<GuidedFlowState>(() => startGuidedFlow());
  const [question, setQuestion] = useState('');
  const guidedHeading = useRef<HTMLHeadingElement>(null);
  const support = useEscalation(checks, fixes, { flow, question, clientVersion, now });
  const { diagnosis } = checks;
  const startSteps = (next: GuidedFlowState) => {
    setFlow(next);
    guidedHeading.current?.focus();
  };

  return (
    <section className={styles.root} aria-labelledby="troubleshoot-heading">
      <h2 id="troubleshoot-heading" className={styles.heading}>
        Troubleshoot email sync
      </h2>
      <ChecksSection checking={checks.checking} diagnosis={diagnosis} />
      {diagnosis && <CauseSection diagnosis={diagnosis} fixes={fixes} checking={checks.checking} guidedHeading={guidedHeading} />}
      <GuidedSteps flow={flow} setFlow={setFlow} fixes={fixes} headingRef={guidedHeading} />
      <HelpSection question={question} setQuestion={setQuestion} onFlow={startSteps} />
      <EscalationSection
        open={escalationOpen(diagnosis, flow)}
        busy={Boolean(fixes.busy)}
        canCopy={Boolean(diagnosis)}
        escalation={support.escalation}
        copied={support.copied}
        onEscalate={() => void support.escalate()}
        onCopy={() => void support.copyReport()}
      />
      <div className={styles.buttons}>
        <Button onClick={onBack}>Back</Button>
      </div>
    </section>
  );
}

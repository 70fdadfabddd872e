/**
 * The Troubleshoot view: Rezi's support guide (seed 000) done by the product. It runs the checks a
 * support agent would ask for, shows each result, the likely cause in plain words and one next step;
 * below it, the guide's steps for what can't be checked automatically; a help box that recognises
 * the guide's trigger phrases; and escalation to Rezi support with a redacted diagnostics report.
 */
import { Button, Field, MessageBar, MessageBarBody, MessageBarTitle, Spinner, Text, Textarea, makeStyles, tokens } from '@fluentui/react-components';
import { CheckmarkCircle20Filled } from '@fluentui/react-icons/svg/checkmark-circle';
import { ErrorCircle20Filled } from '@fluentui/react-icons/svg/error-circle';
import { SubtractCircle20Regular } from '@fluentui/react-icons/svg/subtract-circle';
import { Warning20Filled } from '@fluentui/react-icons/svg/warning';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { CauseCode } from '../../core/causes';
import { type CheckOutcome, type Diagnosis, diagnose } from '../../core/diagnosis';
import {
  GUIDED_STEPS,
  type GuidedFlowState,
  type GuidedStepId,
  answerStep,
  canEscalate,
  currentStep,
  startGuidedFlow,
  stepsTaken,
} from '../../core/guided-flow';
import { type SupportReport, buildSupportReport, renderSupportReport } from '../../core/support-report';
import { recogniseTrigger } from '../../core/triggers';
import { toPaneError } from '../errors';
import type { TroubleshootViewProps } from '../troubleshoot';
import { copyText } from './clipboard';
import { type Observations, observe } from './observe';

export interface TroubleshootProps extends TroubleshootViewProps {
  /** Clock (tests). */
  now?: () => Date;
}

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalM },
  section: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  heading: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  subheading: { margin: 0, fontSize: tokens.fontSizeBase300, fontWeight: tokens.fontWeightSemibold },
  checks: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  check: { display: 'grid', gridTemplateColumns: '20px 1fr', columnGap: tokens.spacingHorizontalS, alignItems: 'start' },
  pass: { color: tokens.colorPaletteGreenForeground1 },
  fail: { color: tokens.colorPaletteRedForeground1 },
  warn: { color: tokens.colorPaletteDarkOrangeForeground1 },
  skipped: { color: tokens.colorNeutralForeground3 },
  buttons: { display: 'flex', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalS, rowGap: tokens.spacingVerticalS },
});

const OUTCOME_WORD: Record<CheckOutcome, string> = { pass: 'Passed', fail: 'Failed', warn: 'Warning', skipped: 'Not checked' };

function OutcomeIcon({ outcome, className }: { outcome: CheckOutcome; className: string }) {
  const props = { className, 'aria-hidden': true as const };
  if (outcome === 'pass') return <CheckmarkCircle20Filled {...props} />;
  if (outcome === 'fail') return <ErrorCircle20Filled {...props} />;
  if (outcome === 'warn') return <Warning20Filled {...props} />;
  return <SubtractCircle20Regular {...props} />;
}

type Escalation = { phase: 'idle' } | { phase: 'sending' } | { phase: 'sent'; reference: string } | { phase: 'failed'; message: string };

const AUTH_CAUSES = new Set<CauseCode>(['authorisation-expired', 'password-changed', 'consent-missing', 'session-stale']);

export function Troubleshoot(props: TroubleshootProps) {
  const { services, onBack, clientVersion = 'unknown', now = () => new Date() } = props;
  const styles = useStyles();
  const [observations, setObservations] = useState<Observations>();
  const [diagnosis, setDiagnosis] = useState<Diagnosis>();
  const [checking, setChecking] = useState(true);
  const [busy, setBusy] = useState<string>();
  const [flow, setFlow] = useState<GuidedFlowState>(() => startGuidedFlow());
  const [outsideShown, setOutsideShown] = useState(false);
  const [question, setQuestion] = useState('');
  const [answer, setAnswer] = useState<string>();
  const [escalation, setEscalation] = useState<Escalation>({ phase: 'idle' });
  const [copied, setCopied] = useState<string>();
  const guidedHeading = useRef<HTMLHeadingElement>(null);
  // The latest props, so checks run after a reconnect see the pane's newest error rather than a stale closure's.
  const latest = useRef(props);
  latest.current = props;
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => void (mounted.current = false);
  }, []);

  const runChecks = useCallback(
    async (reconnectAttempt?: { failedWith?: CauseCode }) => {
      setChecking(true);
      const obs = await observe(services, { lastError: latest.current.lastError, reconnectAttempt });
      if (!mounted.current) return;
      setObservations(obs);
      setDiagnosis(diagnose(obs.input));
      setChecking(false);
    },
    [services],
  );

  useEffect(() => {
    void runChecks();
  }, [runChecks]);

  const act = async (label: string, work: () => Promise<void>) => {
    setBusy(label);
    try {
      await work();
    } finally {
      if (mounted.current) setBusy(undefined);
    }
  };

  const reconnect = () =>
    act('reconnect', async () => {
      const before = diagnosis?.cause;
      await latest.current.onReconnect();
      // If reconnecting fails the same way, the diagnosis moves on to the cached sign-in (the guide's next step).
      await runChecks(before && AUTH_CAUSES.has(before) ? { failedWith: before } : undefined);
    });

  const clearCache = () =>
    act('clear-cache', async () => {
      await latest.current.onClearCachedSession();
      await latest.current.onReconnect();
      await runChecks();
    });

  const checkAgain = () => act('check', () => runChecks());

  const buildReport = (): SupportReport | undefined => {
    if (!diagnosis) return undefined;
    const host = observations?.input.host;
    return buildSupportReport({
      diagnosis,
      status: observations?.status ?? props.status,
      steps: stepsTaken(flow),
      client: {
        version: clientVersion,
        host: host?.host,
        hostVersion: host?.version,
        platform: host?.platform,
        userAgent: typeof navigator !== 'undefined' ? navigator.userAgent : undefined,
      },
      requestIds: (observations?.errors ?? []).flatMap((e) => (e.requestId ? [e.requestId] : [])),
      errors: observations?.errors,
      question: question.trim() || undefined,
      now: now(),
    });
  };

  const escalate = () =>
    act('escalate', async () => {
      const report = buildReport();
      if (!report) return;
      if (!services.supportCase) {
        setEscalation({ phase: 'failed', message: 'Escalation isn’t available here. Copy the report below and send it to Rezi support.' });
        return;
      }
      setEscalation({ phase: 'sending' });
      try {
        const { reference } = await services.supportCase(report);
        if (mounted.current) setEscalation({ phase: 'sent', reference });
      } catch (e) {
        const err = toPaneError(e);
        if (mounted.current)
          setEscalation({ phase: 'failed', message: `We couldn’t send the report just now (${err.code}). Copy the report below and send it to Rezi support.` });
      }
    });

  const copyReport = async () => {
    const report = buildReport();
    if (!report) return;
    const ok = await copyText(renderSupportReport(report));
    setCopied(ok ? 'Report copied. You can paste it into an email to Rezi support.' : 'Couldn’t copy the report. Select the text yourself and copy it.');
  };

  const askQuestion = (e: FormEvent) => {
    e.preventDefault();
    const match = recogniseTrigger(question);
    if (match.intent === 'sync-not-working') {
      setFlow(startGuidedFlow());
      setAnswer(
        'Sorry to hear your emails aren’t syncing. Rezi has checked the connection for you above; if that doesn’t explain it, work through the steps below one at a time.',
      );
    } else if (match.intent === 'authorisation-failed') {
      setFlow(startGuidedFlow('reconnect'));
      setAnswer(
        'An authorisation failure usually means Rezi needs you to sign in again. The checks above show what Rezi found; the steps below start with reconnecting.',
      );
    } else {
      setAnswer(
        'I couldn’t match that to a sync problem. If your mails aren’t reaching Rezi, the checks and steps here will help; otherwise, Rezi support can help with anything else.',
      );
      return;
    }
    guidedHeading.current?.focus();
  };

  const step = currentStep(flow);
  const stepNumber = GUIDED_STEPS.findIndex((s) => s.id === step.id) + 1;
  const escalationOpen =
    Boolean(diagnosis) && (canEscalate(flow) || !diagnosis?.cause || diagnosis.cause === 'unknown' || diagnosis.nextStep.action === 'escalate');

  const primary = () => {
    if (!diagnosis) return null;
    const { action, label } = diagnosis.nextStep;
    const disabled = Boolean(busy) || checking;
    switch (action) {
      case 'reconnect':
        return (
          <Button appearance="primary" disabled={disabled} onClick={() => void reconnect()}>
            {label}
          </Button>
        );
      case 'clear-cache':
        return (
          <Button appearance="primary" disabled={disabled} onClick={() => void clearCache()}>
            {label}
          </Button>
        );
      case 'sign-in-outside':
        return (
          <Button appearance="primary" aria-expanded={outsideShown} disabled={disabled} onClick={() => setOutsideShown(true)}>
            {label}
          </Button>
        );
      case 'follow-steps':
        return (
          <Button appearance="primary" disabled={disabled} onClick={() => guidedHeading.current?.focus()}>
            {label}
          </Button>
        );
      default:
        // retry / retry-later / contact-it: nothing to do here but look again once things have changed.
        return (
          <Button appearance="primary" disabled={disabled} onClick={() => void checkAgain()}>
            {action === 'contact-it' ? 'Check again' : label}
          </Button>
        );
    }
  };

  const stepAction = (id: GuidedStepId) => {
    if (id === 'reconnect')
      return (
        <Button disabled={Boolean(busy)} onClick={() => void reconnect()}>
          Reconnect account
        </Button>
      );
    if (id === 'clear-cache')
      return (
        <Button disabled={Boolean(busy)} onClick={() => void clearCache()}>
          Clear cached sign-in
        </Button>
      );
    return null;
  };

  return (
    <section className={styles.root} aria-labelledby="troubleshoot-heading">
      <h2 id="troubleshoot-heading" className={styles.heading}>
        Troubleshoot email sync
      </h2>

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

      {diagnosis && (
        <section className={styles.section} aria-labelledby="cause-heading">
          <h3 id="cause-heading" className={styles.subheading}>
            Likely cause: {diagnosis.title}
          </h3>
          <Text>{diagnosis.likelyCause}</Text>
          <Text>{diagnosis.nextStep.hint}</Text>
          <Text italic>{diagnosis.reassurance}</Text>
          <div className={styles.buttons}>{primary()}</div>
          {outsideShown && (
            <MessageBar intent="info" layout="multiline">
              <MessageBarBody>
                <MessageBarTitle>Check your sign-in outside Rezi</MessageBarTitle>
                Open your email in a browser (Outlook on the web or Gmail) and sign in. If that fails, reset or update your password with your email provider
                first. Once you can sign in there, reconnect here.{' '}
                <Button size="small" disabled={Boolean(busy)} onClick={() => void reconnect()}>
                  I can sign in: reconnect now
                </Button>
              </MessageBarBody>
            </MessageBar>
          )}
          {busy && busy !== 'escalate' && <Spinner size="tiny" label={busy === 'check' ? 'Checking again…' : 'Working on it…'} />}
        </section>
      )}

      <section className={styles.section} aria-labelledby="guided-heading">
        <h3 id="guided-heading" className={styles.subheading} tabIndex={-1} ref={guidedHeading}>
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
                {stepAction(step.id)}
                <Button onClick={() => setFlow(answerStep(flow, 'fixed'))}>{step.fixedLabel}</Button>
                <Button onClick={() => setFlow(answerStep(flow, 'still-failing'))}>{step.stillFailingLabel}</Button>
              </div>
            )}
          </div>
        )}
      </section>

      <section className={styles.section} aria-labelledby="help-heading">
        <h3 id="help-heading" className={styles.subheading}>
          Ask for help
        </h3>
        <form onSubmit={askQuestion} className={styles.section}>
          <Field label="Describe the problem">
            <Textarea value={question} onChange={(_e, d) => setQuestion(d.value)} resize="vertical" />
          </Field>
          <div className={styles.buttons}>
            <Button type="submit" disabled={!question.trim()}>
              Ask
            </Button>
          </div>
        </form>
        <div role="status" aria-live="polite">
          {answer && <Text>{answer}</Text>}
        </div>
      </section>

      <section className={styles.section} aria-labelledby="escalate-heading">
        <h3 id="escalate-heading" className={styles.subheading}>
          Rezi support
        </h3>
        {!escalationOpen && <Text size={200}>Escalation opens once you’ve worked through the steps above, or when the checks find nothing to fix.</Text>}
        <div className={styles.buttons}>
          <Button
            appearance={escalationOpen ? 'primary' : 'secondary'}
            disabled={!escalationOpen || Boolean(busy) || escalation.phase === 'sending' || escalation.phase === 'sent'}
            onClick={() => void escalate()}
          >
            Escalate to Rezi support
          </Button>
          <Button disabled={!diagnosis} onClick={() => void copyReport()}>
            Copy report
          </Button>
        </div>
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
        {escalation.phase === 'failed' && (
          <MessageBar intent="error" role="alert" layout="multiline">
            <MessageBarBody>{escalation.message}</MessageBarBody>
          </MessageBar>
        )}
      </section>

      <div className={styles.buttons}>
        <Button onClick={onBack}>Back</Button>
      </div>
    </section>
  );
}

/** Escalation to Rezi support: the redacted diagnostics report, sent as a case or copied for an email. */
import { useState } from 'react';
import type { GuidedFlowState } from '../../core/guided-flow';
import { stepsTaken } from '../../core/guided-flow';
import { type SupportReport, buildSupportReport, renderSupportReport } from '../../core/support-report';
import { toPaneError } from '../../outlook/pane-error';
import { copyText } from './clipboard';
import type { Checks } from './useChecks';
import type { Fixes } from './useFixes';

export type Escalation = { phase: 'idle' } | { phase: 'sending' } | { phase: 'sent'; reference: string } | { phase: 'failed'; message: string };

export interface ReportInput {
  flow: GuidedFlowState;
  question: string;
  clientVersion: string;
  now(): Date;
}

/** The report for support: what the checks found, the steps taken and the question, with the client it came from. */
function reportFrom(checks: Checks, input: ReportInput): SupportReport | undefined {
  const { diagnosis, observations } = checks;
  if (!diagnosis) return undefined;
  const host = observations?.input.host;
  return buildSupportReport({
    diagnosis,
    status: observations?.status ?? checks.latest.current.status,
    steps: stepsTaken(input.flow),
    client: {
      version: input.clientVersion,
      host: host?.host,
      hostVersion: host?.version,
      platform: host?.platform,
      userAgent: typeof navigator !== 'undefined' ? navigator.userAgent : undefined,
    },
    requestIds: (observations?.errors ?? []).flatMap((e) => (e.requestId ? [e.requestId] : [])),
    errors: observations?.errors,
    question: input.question.trim() || undefined,
    now: input.now(),
  });
}

export function useEscalation(checks: Checks, fixes: Fixes, input: ReportInput) {
  const [escalation, setEscalation] = useState<Escalation>({ phase: 'idle' });
  const [copied, setCopied] = useState<string>();
  const { mounted } = checks;

  const escalate = () =>
    fixes.act('escalate', async () => {
      const report = reportFrom(checks, input);
      if (!report) return;
      const services = checks.latest.current.services;
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
    const report = reportFrom(checks, input);
    if (!report) return;
    const ok = await copyText(renderSupportReport(report));
    setCopied(ok ? 'Report copied. You can paste it into an email to Rezi support.' : 'Couldn’t copy the report. Select the text yourself and copy it.');
  };

  return { escalation, copied, escalate, copyReport };
}

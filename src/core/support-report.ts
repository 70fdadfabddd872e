/**
 * The diagnostics report sent with an escalation (and shown for copying): what the checks found,
 * error codes, correlation ids, versions and timestamps — never tokens, passwords or mail content.
 * Every value passes through redact(), which the adapter runs again on what it receives.
 */
import type { AccountKind, ApiStatus } from './api';
import type { CauseCode } from './causes';
import type { CheckOutcome, Diagnosis } from './diagnosis';
import type { GuidedAnswer, GuidedStepId } from './guided-flow';
import { redact, redactText } from './redact';

export const SUPPORT_REPORT_VERSION = 1;

export interface SupportReportInput {
  diagnosis: Diagnosis;
  status?: ApiStatus;
  /** What the user tried in the guided flow. */
  steps?: { id: GuidedStepId; answer: GuidedAnswer }[];
  client: { version: string; host?: string; hostVersion?: string; platform?: string; userAgent?: string };
  /** Correlation/request ids seen by the pane (MSAL, Graph, adapter). */
  requestIds?: string[];
  /** Errors the pane observed directly (silent token, ping). */
  errors?: { source: string; code: CauseCode; message?: string; providerCode?: string; requestId?: string }[];
  /** What the agent typed into the help box, if anything. */
  question?: string;
  /** Anything else worth sending; redacted like the rest. */
  extra?: Record<string, unknown>;
  now: Date;
}

export interface SupportReport {
  version: number;
  createdAt: string;
  cause?: CauseCode;
  likelyCause: string;
  nextStep: string;
  checks: { id: string; outcome: CheckOutcome; detail: string }[];
  steps: { id: string; answer: string }[];
  account: { kind: AccountKind | 'unknown'; state?: string; cause?: CauseCode; branchId?: string; userId?: string };
  client: { version: string; host?: string; hostVersion?: string; platform?: string; userAgent?: string };
  lastSync?: {
    runId: string;
    source: string;
    finishedAt: string;
    total: number;
    sent: number;
    received: number;
    failed: number;
    pending: number;
    error?: { code: string; message: string };
  };
  recentFailures: { at: string; code: string; providerCode?: string; message: string }[];
  errors: { source: string; code: string; providerCode?: string; requestId?: string; message?: string }[];
  requestIds: string[];
  outage?: { suspected: boolean; provider: string; affectedUsers: number; since: string };
  question?: string;
  extra?: Record<string, unknown>;
}

// Redaction lives in one module for the pane and the adapter alike.
export { isContentKey, isSecretKey, redact, redactText } from './redact';

export function buildSupportReport(input: SupportReportInput): SupportReport {
  const { diagnosis: d, status } = input;
  const ids = new Set<string>(input.requestIds ?? []);
  for (const e of input.errors ?? []) if (e.requestId) ids.add(e.requestId);
  const last = status?.lastSync;
  const report: SupportReport = {
    version: SUPPORT_REPORT_VERSION,
    createdAt: input.now.toISOString(),
    cause: d.cause,
    likelyCause: d.likelyCause,
    nextStep: d.nextStep.label,
    checks: d.checks.map((c) => ({ id: c.id, outcome: c.outcome, detail: c.detail })),
    steps: (input.steps ?? []).map((s) => ({ id: s.id, answer: s.answer })),
    account: status
      ? { kind: status.account.kind, state: status.account.state, cause: status.account.cause, branchId: status.user.branchId, userId: status.user.id }
      : { kind: 'unknown' },
    client: { ...input.client },
    // Counts only: a sync's mails never travel in the report.
    lastSync: last
      ? {
          runId: last.runId,
          source: last.source,
          finishedAt: last.finishedAt,
          total: last.total,
          sent: last.sent,
          received: last.received,
          failed: last.failed,
          pending: last.pending,
          error: last.error ? { code: last.error.code, message: last.error.message } : undefined,
        }
      : undefined,
    recentFailures: (status?.recentFailures ?? []).slice(0, 20).map((f) => ({ at: f.at, code: f.code, providerCode: f.providerCode, message: f.message })),
    errors: (input.errors ?? []).map((e) => ({ source: e.source, code: e.code, providerCode: e.providerCode, requestId: e.requestId, message: e.message })),
    requestIds: [...ids],
    outage: status?.outage
      ? { suspected: status.outage.suspected, provider: status.outage.provider, affectedUsers: status.outage.affectedUsers, since: status.outage.since }
      : undefined,
    question: input.question?.slice(0, 500),
    extra: input.extra,
  };
  return redact(report);
}

/** Plain text for the clipboard or an email to support. */
export function renderSupportReport(r: SupportReport): string {
  const lines: string[] = [];
  lines.push('Rezi Email Sync — diagnostics report');
  lines.push(`Created: ${r.createdAt}`);
  lines.push(`Client: ${[r.client.version, r.client.host, r.client.hostVersion, r.client.platform].filter(Boolean).join(' / ')}`);
  lines.push(`Account: ${r.account.kind}${r.account.state ? `, ${r.account.state}` : ''}${r.account.cause ? ` (${r.account.cause})` : ''}`);
  lines.push(`Likely cause: ${r.cause ?? 'none found'} — ${r.likelyCause}`);
  lines.push(`Suggested next step: ${r.nextStep}`);
  lines.push('', 'Checks:');
  for (const c of r.checks) lines.push(`  [${c.outcome.toUpperCase()}] ${c.id}: ${c.detail}`);
  if (r.steps.length) {
    lines.push('', 'Steps tried:');
    for (const s of r.steps) lines.push(`  ${s.id}: ${s.answer}`);
  }
  if (r.lastSync) {
    const l = r.lastSync;
    lines.push(
      '',
      `Last sync: ${l.finishedAt} (${l.source}, run ${l.runId}) total ${l.total}, sent ${l.sent}, received ${l.received}, failed ${l.failed}, pending ${l.pending}`,
    );
    if (l.error) lines.push(`  error: ${l.error.code} — ${l.error.message}`);
  }
  if (r.recentFailures.length) {
    lines.push('', 'Recent failures:');
    for (const f of r.recentFailures) lines.push(`  ${f.at} ${f.code}${f.providerCode ? ` (${f.providerCode})` : ''}: ${f.message}`);
  }
  if (r.errors.length) {
    lines.push('', 'Errors seen by the pane:');
    for (const e of r.errors)
      lines.push(
        `  ${e.source}: ${e.code}${e.providerCode ? ` (${e.providerCode})` : ''}${e.requestId ? ` request ${e.requestId}` : ''}${e.message ? ` — ${e.message}` : ''}`,
      );
  }
  if (r.outage)
    lines.push(
      '',
      `Outage: ${r.outage.suspected ? 'suspected' : 'not suspected'} (${r.outage.provider}, ${r.outage.affectedUsers} users since ${r.outage.since})`,
    );
  if (r.requestIds.length) lines.push('', `Request ids: ${r.requestIds.join(', ')}`);
  if (r.question) lines.push('', `Question: ${r.question}`);
  // The rendering goes through the same scrubber: belt and braces for free text.
  return redactText(lines.join('\n'));
}

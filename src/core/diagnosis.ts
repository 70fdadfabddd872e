/**
 * Automatic diagnosis: the checks Rezi's support guide (seed 000) asks a person to do, run by the
 * product over what the pane and the adapter can observe. Pure: the pane gathers the observations
 * (status, a silent token attempt, a provider ping) and this module turns them into check results,
 * one likely cause in plain words and one next step.
 */
import type { ApiStatus } from './api';
import { CAUSES, CAUSE_PRECEDENCE, type CauseCode, isConnectionCause } from './causes';
import { NOTHING_FOUND_REASSURANCE, type NextAction, explain } from './explain';
import { STATE_LABEL } from './status';

export type CheckId = 'account-connected' | 'token-silent' | 'provider-reachable' | 'last-error' | 'others-affected';
export type CheckOutcome = 'pass' | 'fail' | 'warn' | 'skipped';

export interface CheckResult {
  id: CheckId;
  label: string;
  outcome: CheckOutcome;
  detail: string;
  /** The cause this check points at, when it found one. */
  cause?: CauseCode;
}

/** An error as observed by the pane: a core cause plus what the provider said. */
export interface ObservedError {
  code: CauseCode;
  message?: string;
  providerCode?: string;
  requestId?: string;
  status?: number;
}

export interface DiagnosisHost {
  host?: string;
  platform?: string;
  version?: string;
}

export interface DiagnosisInput {
  /** GET /api/v1/status, when it answered. */
  status?: ApiStatus;
  /** Why the status could not be read (the adapter itself unreachable, say). */
  statusError?: ObservedError;
  /** Silent token attempt (Office 365 path). Omitted when not attempted (IMAP accounts). */
  token?: { obtained: boolean; error?: ObservedError };
  /** Did Graph (or the IMAP server, through the adapter) answer a light request? */
  ping?: { target: 'graph' | 'imap'; ok: boolean; error?: ObservedError };
  /** The last failure the pane saw itself (sign-in, status, a run stopped early): newer than the adapter's history. */
  paneError?: ObservedError;
  /** A reconnect the user already tried in this session and how it ended. */
  reconnectAttempt?: { failedWith?: CauseCode };
  host?: DiagnosisHost;
}

/** The pane's one primary button. 'follow-steps' is for "nothing found": the guided flow takes over. */
export type DiagnosisAction = NextAction | 'follow-steps';

export interface Diagnosis {
  checks: CheckResult[];
  cause: CauseCode | undefined;
  /** Short heading for the likely cause. */
  title: string;
  /** The likely cause in plain words. */
  likelyCause: string;
  nextStep: { action: DiagnosisAction; label: string; hint: string };
  reassurance: string;
}

export const CHECK_LABELS: Record<CheckId, string> = {
  'account-connected': 'Email account connected',
  'token-silent': 'Sign-in still valid',
  'provider-reachable': 'Mail service answering',
  'last-error': 'Last sync error',
  'others-affected': 'Other people affected',
};

/** MSAL and friends report a broken cache with codes like these; they need the cache cleared, not a reconnect. */
const CACHE_ERROR = /cache|no_tokens_found|no_account|multiple_matching_tokens|state_mismatch|nonce_mismatch|interaction_in_progress/i;

function effectiveCode(e: ObservedError): CauseCode {
  if (e.code !== 'session-stale' && (e.code === 'authorisation-expired' || e.code === 'unknown') && e.providerCode && CACHE_ERROR.test(e.providerCode)) {
    return 'session-stale';
  }
  return e.code;
}

function describe(e: ObservedError): string {
  const code = effectiveCode(e);
  const bits = [explain(code).title];
  if (e.providerCode) bits.push(`(${e.providerCode})`);
  return bits.join(' ');
}

function accountCheck(input: DiagnosisInput): CheckResult {
  const base = { id: 'account-connected' as const, label: CHECK_LABELS['account-connected'] };
  const { status, statusError } = input;
  if (!status) {
    if (statusError)
      return { ...base, outcome: 'fail', detail: `Rezi’s status couldn’t be read: ${describe(statusError)}.`, cause: effectiveCode(statusError) };
    return { ...base, outcome: 'skipped', detail: 'The status wasn’t available to check.' };
  }
  const { account } = status;
  // No account on record yet (never synced): not a failure in itself; the sign-in check says whether one is needed.
  if (account.kind === 'none') return { ...base, outcome: 'warn', detail: 'Rezi hasn’t seen a sync from this mailbox yet.' };
  if (account.state === 'connected' || account.state === 'syncing') {
    return { ...base, outcome: 'pass', detail: `The status shows ‘${STATE_LABEL[account.state]}’.` };
  }
  const cause = account.cause;
  const why = cause ? ` — ${explain(cause).title.toLowerCase()}` : '';
  return { ...base, outcome: 'fail', detail: `The status shows ‘${STATE_LABEL[account.state]}’${why}.`, cause };
}

function tokenCheck(input: DiagnosisInput): CheckResult {
  const base = { id: 'token-silent' as const, label: CHECK_LABELS['token-silent'] };
  if (input.status?.account.kind === 'imap')
    return { ...base, outcome: 'skipped', detail: 'Not needed: this account signs in with an IMAP username and password.' };
  if (!input.token) return { ...base, outcome: 'skipped', detail: 'Not checked.' };
  if (input.token.obtained) return { ...base, outcome: 'pass', detail: 'Rezi could sign in to Microsoft 365 without asking you.' };
  const e = input.token.error;
  if (!e) return { ...base, outcome: 'fail', detail: 'Rezi couldn’t sign in without asking you: you need to sign in again.', cause: 'authorisation-expired' };
  return { ...base, outcome: 'fail', detail: `Rezi couldn’t sign in without asking you: ${describe(e)}.`, cause: effectiveCode(e) };
}

function pingCheck(input: DiagnosisInput): CheckResult {
  const base = { id: 'provider-reachable' as const, label: CHECK_LABELS['provider-reachable'] };
  const { ping } = input;
  if (!ping) return { ...base, outcome: 'skipped', detail: 'Not checked: Rezi needs a working sign-in first.' };
  const who = ping.target === 'graph' ? 'Microsoft 365' : 'Your branch’s mail server';
  if (ping.ok) return { ...base, outcome: 'pass', detail: `${who} answered.` };
  // A ping that failed without saying why: say so rather than guess a cause.
  if (!ping.error) return { ...base, outcome: 'warn', detail: `${who} didn’t answer the folder check, and didn’t say why.` };
  const e = ping.error;
  const code = effectiveCode(e);
  const outcome: CheckOutcome = code === 'throttled' ? 'warn' : 'fail';
  return { ...base, outcome, detail: `${who} didn’t answer normally: ${describe(e)}.`, cause: code };
}

/** The most recent failure the adapter knows of: the last sync's error, else the newest recent failure. */
function lastError(status: ApiStatus | undefined): ObservedError | undefined {
  if (!status) return undefined;
  const newest = [...(status.recentFailures ?? [])].sort((a, b) => b.at.localeCompare(a.at))[0];
  const fromSync = status.lastSync?.error;
  if (fromSync && (!newest || !status.lastSync || status.lastSync.finishedAt >= newest.at)) {
    const sameCode = newest && newest.code === fromSync.code ? newest.providerCode : undefined;
    return { code: fromSync.code, message: fromSync.message, providerCode: sameCode };
  }
  return newest ? { code: newest.code, message: newest.message, providerCode: newest.providerCode } : undefined;
}

function lastErrorCheck(input: DiagnosisInput, connectedNow: boolean): CheckResult {
  const base = { id: 'last-error' as const, label: CHECK_LABELS['last-error'] };
  if (!input.status && !input.paneError) return { ...base, outcome: 'skipped', detail: 'The sync history wasn’t available to check.' };
  const e = input.paneError ?? lastError(input.status);
  if (!e) return { ...base, outcome: 'pass', detail: 'No recent sync errors.' };
  const code = effectiveCode(e);
  if (!isConnectionCause(code)) {
    return { ...base, outcome: 'warn', detail: `The last problem was about a single mail, not the connection: ${explain(code).title.toLowerCase()}.` };
  }
  // An old error with everything passing now is history, not the cause.
  if (connectedNow) return { ...base, outcome: 'warn', detail: `An earlier sync failed (${describe(e)}), but the connection checks pass now.` };
  // The pane's own error may come from signing in rather than from a sync: say which.
  const what = input.paneError ? 'The last attempt failed' : 'The last sync failed';
  return { ...base, outcome: 'fail', detail: `${what}: ${describe(e)}.`, cause: code };
}

function othersCheck(input: DiagnosisInput): CheckResult {
  const base = { id: 'others-affected' as const, label: CHECK_LABELS['others-affected'] };
  if (!input.status) return { ...base, outcome: 'skipped', detail: 'Couldn’t check whether other people are affected.' };
  const o = input.status.outage;
  if (o?.suspected) {
    const where = o.provider === 'imap' ? 'at your branch' : 'in your organisation';
    return {
      ...base,
      outcome: 'fail',
      detail: `${o.affectedUsers} people ${where} have had the same kind of failure since ${o.since}: ${o.message}.`,
      cause: 'outage-suspected',
    };
  }
  return { ...base, outcome: 'pass', detail: 'No one else nearby is reporting the same problem right now.' };
}

/** The troubleshooter's own next step where the guide's differs from the status card's (explain.ts). */
function nextStepFor(cause: CauseCode, input: DiagnosisInput): Diagnosis['nextStep'] {
  const words = explain(cause);
  const imap = input.status?.account.kind === 'imap';
  return (imap ? words.troubleshooter.imapNextStep : undefined) ?? words.troubleshooter.nextStep ?? words.nextStep;
}

/** Runs the checks and picks one cause by the guide's precedence. */
export function diagnose(input: DiagnosisInput): Diagnosis {
  const account = accountCheck(input);
  const token = tokenCheck(input);
  const ping = pingCheck(input);
  const connectedNow = account.outcome === 'pass' && token.outcome !== 'fail' && ping.outcome !== 'fail' && ping.outcome !== 'warn';
  const last = lastErrorCheck(input, connectedNow);
  const others = othersCheck(input);
  const checks = [account, token, ping, last, others];

  const found = new Set<CauseCode>();
  for (const c of checks) if (c.cause && isConnectionCause(c.cause)) found.add(c.cause);
  let cause = CAUSE_PRECEDENCE.find((c) => found.has(c));

  // Reconnecting already failed the same way: the guide's next step is clearing the cached credentials.
  const retried = input.reconnectAttempt?.failedWith;
  if (retried && cause && CAUSES[cause].staleIfReconnectFails && retried === cause) cause = 'session-stale';

  if (!cause) {
    return {
      checks,
      cause: undefined,
      title: 'Nothing wrong found automatically',
      likelyCause: 'Your account is connected, Rezi can sign in and the mail service is answering. The cause is probably something Rezi can’t see from here.',
      nextStep: {
        action: 'follow-steps',
        label: 'Go through the steps',
        hint: 'Follow the steps below, one at a time. If they don’t fix it, escalate to Rezi support.',
      },
      reassurance: NOTHING_FOUND_REASSURANCE,
    };
  }
  const words = explain(cause);
  let likelyCause = words.explanation;
  if (cause === 'session-stale' && retried) likelyCause = `Reconnecting didn’t help, which usually means a stored sign-in is out of date. ${words.explanation}`;
  return { checks, cause, title: words.title, likelyCause, nextStep: nextStepFor(cause, input), reassurance: words.troubleshooter.reassurance };
}

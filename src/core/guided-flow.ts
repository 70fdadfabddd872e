/**
 * The guided flow: the support guide's steps (seed 000) for what the product cannot check by
 * itself, in the guide's order and tone, adapted to the add-in. A tiny state machine: the current
 * step, the user's answer to each, and escalation once every user-side step is done.
 */

export type GuidedStepId = 'check-connection' | 'reconnect' | 'check-credentials' | 'clear-cache' | 'escalate';

/** 'fixed': it syncs now, stop here. 'still-failing': done it, still not syncing, go on. */
export type GuidedAnswer = 'fixed' | 'still-failing';

export interface GuidedStep {
  id: GuidedStepId;
  title: string;
  /** What we ask the user, in the guide's words adapted to the pane. */
  prompt: string;
  /** The action this step offers, when the pane can do it for them. */
  action?: 'reconnect' | 'clear-cache' | 'escalate';
  fixedLabel: string;
  stillFailingLabel: string;
}

export const GUIDED_STEPS: readonly GuidedStep[] = [
  {
    id: 'check-connection',
    title: 'Check the connection',
    prompt: 'Check the status at the top of this pane: does it say ‘Connected’ or ‘Disconnected’?',
    fixedLabel: 'It says Connected and mail is syncing',
    stillFailingLabel: 'It says Disconnected or Authorisation failed, or mail still isn’t syncing',
  },
  {
    id: 'reconnect',
    title: 'Reconnect if needed',
    prompt:
      'If it says ‘Disconnected’ or ‘Authorisation failed’, select ‘Reconnect account’ and sign in again, approving any permission requests. Reconnecting usually fixes most sync issues within a few minutes.',
    action: 'reconnect',
    fixedLabel: 'Reconnected, and it’s syncing now',
    stillFailingLabel: 'Done, still not syncing',
  },
  {
    id: 'check-credentials',
    title: 'Check your credentials',
    prompt:
      'Has your email password changed recently? Check you can sign in to your email (Outlook on the web or Gmail) outside Rezi. If that fails, update your password with your email provider first, then reconnect here.',
    fixedLabel: 'Updated and reconnected, it’s syncing now',
    stillFailingLabel: 'I can sign in outside Rezi, still not syncing',
  },
  {
    id: 'clear-cache',
    title: 'Clear the cached sign-in',
    prompt: 'Let’s clear the cached sign-in and retry. Select ‘Clear cached sign-in’, sign in again when asked, then try the sync once more.',
    action: 'clear-cache',
    fixedLabel: 'Cleared, and it’s syncing now',
    stillFailingLabel: 'Done, still not syncing',
  },
  {
    id: 'escalate',
    title: 'Escalate to Rezi support',
    prompt:
      'Thanks for working through those steps. It may be a sync issue our technical team needs to review — select ‘Escalate to Rezi support’ and we’ll send them a diagnostics report with everything they need.',
    action: 'escalate',
    fixedLabel: 'It’s syncing now',
    stillFailingLabel: 'Escalate',
  },
];

export interface GuidedFlowState {
  /** Index into GUIDED_STEPS of the step being shown. */
  index: number;
  answers: Partial<Record<GuidedStepId, GuidedAnswer>>;
  /** True once the user said it's working again. */
  resolved: boolean;
}

export function startGuidedFlow(from: GuidedStepId = 'check-connection'): GuidedFlowState {
  return {
    index: Math.max(
      0,
      GUIDED_STEPS.findIndex((s) => s.id === from),
    ),
    answers: {},
    resolved: false,
  };
}

export function currentStep(state: GuidedFlowState): GuidedStep {
  return GUIDED_STEPS[Math.min(state.index, GUIDED_STEPS.length - 1)];
}

/** Records the answer to the current step and moves on; 'fixed' ends the flow. */
export function answerStep(state: GuidedFlowState, answer: GuidedAnswer): GuidedFlowState {
  if (state.resolved) return state;
  const step = currentStep(state);
  const answers = { ...state.answers, [step.id]: answer };
  if (answer === 'fixed') return { index: state.index, answers, resolved: true };
  return { index: Math.min(state.index + 1, GUIDED_STEPS.length - 1), answers, resolved: false };
}

/** Escalation is offered once every user-side step has been tried and sync still fails. */
export function canEscalate(state: GuidedFlowState): boolean {
  return !state.resolved && currentStep(state).id === 'escalate';
}

/** The steps before the current one, with the user's answers, for the diagnostics report. */
export function stepsTaken(state: GuidedFlowState): { id: GuidedStepId; answer: GuidedAnswer }[] {
  return GUIDED_STEPS.filter((s) => state.answers[s.id]).map((s) => ({ id: s.id, answer: state.answers[s.id] as GuidedAnswer }));
}

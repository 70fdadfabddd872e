import { GUIDED_STEPS, answerStep, canEscalate, currentStep, startGuidedFlow, stepsTaken } from '../../src/core/guided-flow';

describe('guided flow', () => {
  it('follows the guide’s order: connection → reconnect → credentials → cache → escalate', () => {
    expect(GUIDED_STEPS.map((s) => s.id)).toEqual(['check-connection', 'reconnect', 'check-credentials', 'clear-cache', 'escalate']);
    expect(GUIDED_STEPS[0].prompt).toBe('Check the status at the top of this pane: does it say ‘Connected’ or ‘Disconnected’?');
    expect(GUIDED_STEPS[1].prompt).toMatch(/Reconnecting usually fixes most sync issues within a few minutes/);
    expect(GUIDED_STEPS[2].prompt).toMatch(/^Has your email password changed recently\?/);
    expect(GUIDED_STEPS[3].prompt).toMatch(/^Let’s clear the cached sign-in and retry/);
    expect(GUIDED_STEPS[4].prompt).toMatch(/It may be a sync issue our technical team needs to review/);
  });

  it('offers escalation only once every user-side step is done', () => {
    let s = startGuidedFlow();
    const seen: string[] = [];
    while (!canEscalate(s)) {
      seen.push(currentStep(s).id);
      expect(canEscalate(s)).toBe(false);
      s = answerStep(s, 'still-failing');
    }
    expect(seen).toEqual(['check-connection', 'reconnect', 'check-credentials', 'clear-cache']);
    expect(currentStep(s).id).toBe('escalate');
    expect(stepsTaken(s).map((x) => x.id)).toEqual(seen);
    expect(stepsTaken(s).every((x) => x.answer === 'still-failing')).toBe(true);
  });

  it('stops when it is fixed; can start part-way', () => {
    const s = answerStep(answerStep(startGuidedFlow(), 'still-failing'), 'fixed');
    expect(s.resolved).toBe(true);
    expect(currentStep(s).id).toBe('reconnect');
    expect(canEscalate(s)).toBe(false);
    expect(answerStep(s, 'still-failing')).toBe(s);
    expect(currentStep(startGuidedFlow('clear-cache')).id).toBe('clear-cache');
  });
});

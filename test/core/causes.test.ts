import { CAUSE_CODES, SyncError, isSyncError, isTransient, stopsTheRun, toSyncError } from '../../src/core/causes';
import { EXPLANATIONS, explain } from '../../src/core/explain';
import { STATE_LABEL, stateAfter } from '../../src/core/status';

describe('causes', () => {
  it('wraps unknown errors and keeps typed ones', () => {
    const typed = new SyncError('throttled', 'slow down', { retryAfterMs: 2000 });
    expect(toSyncError(typed)).toBe(typed);
    expect(toSyncError(new Error('boom'))).toMatchObject({ code: 'unknown', message: 'boom' });
    expect(toSyncError('text')).toMatchObject({ code: 'unknown', message: 'text' });
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(toSyncError(abort).code).toBe('cancelled');
    // A SyncError that crossed a realm (or JSON) is still recognised by shape.
    expect(isSyncError({ name: 'SyncError', code: 'throttled' })).toBe(true);
    expect(isSyncError({ name: 'Error', code: 'throttled' })).toBe(false);
  });

  it('classifies run-stopping and transient causes', () => {
    expect(stopsTheRun('password-changed')).toBe(true);
    expect(stopsTheRun('no-matching-group')).toBe(false);
    expect(stopsTheRun('unknown')).toBe(false);
    expect(isTransient('server-unreachable')).toBe(true);
    expect(isTransient('password-changed')).toBe(false);
  });

  it('explains every cause in plain words with one next step', () => {
    for (const code of CAUSE_CODES) {
      const e = explain(code);
      expect(e.title.length).toBeGreaterThan(5);
      expect(e.explanation.length).toBeGreaterThan(20);
      expect(e.nextStep.label.length).toBeGreaterThan(3);
    }
    expect(Object.keys(EXPLANATIONS).sort()).toEqual([...CAUSE_CODES].sort());
    expect(explain('password-changed').explanation).toMatch(/Has your email password changed recently\?/);
    expect(explain('not-configured').explanation).toMatch(/ask your IT support to send the branch’s IMAP details/);
    expect(explain('authorisation-expired').nextStep.hint).toMatch(/Reconnecting usually fixes most sync issues within a few minutes/);
    expect(explain('nonsense' as never)).toBe(EXPLANATIONS.unknown);
  });

  it('maps causes to the status card states', () => {
    expect(stateAfter('password-changed')).toBe('authorisation-failed');
    expect(stateAfter('server-unreachable')).toBe('disconnected');
    expect(stateAfter('no-matching-group')).toBeUndefined();
    expect(STATE_LABEL['authorisation-failed']).toBe('Authorisation failed');
  });
});

/** The pane's reducer and words, without React. */
import { type Action, type PaneState, connectionOf, initialState, reducer } from '../../src/taskpane/useSyncState';
import { lastSyncCounts, relativeTime, resultSummary, syncButtonLabel } from '../../src/taskpane/words';
import { JANE, report, result, status } from './fake-services';

const run = (s: PaneState, ...actions: Action[]) => actions.reduce(reducer, s);
const loaded: Action = { type: 'loaded', account: JANE, status: status(), counts: { queue: 1, failed: 0 } };

describe('pane state', () => {
  it('is Connected after loading a connected account, Syncing while a run is under way', () => {
    const s = run(initialState, loaded);
    expect(connectionOf(s)).toEqual({ state: 'connected', cause: undefined, needsSignIn: false });
    expect(connectionOf(run(s, { type: 'run-started', kind: 'selected' })).state).toBe('syncing');
  });

  it('is Connected when signed in to Microsoft 365 before the first sync (the adapter has no account state yet)', () => {
    const firstRun = run(initialState, { type: 'loaded', account: JANE, status: status({ kind: 'none', state: 'disconnected' }) });
    expect(connectionOf(firstRun)).toEqual({ state: 'connected', needsSignIn: false });
    // A recorded failure still wins over a working sign-in.
    const failed = run(initialState, {
      type: 'loaded',
      account: JANE,
      status: status({ kind: 'office365', state: 'disconnected', cause: 'server-unreachable' }),
    });
    expect(connectionOf(failed)).toEqual({ state: 'disconnected', cause: 'server-unreachable', needsSignIn: false });
  });

  it('a run stopped by a connection cause shows it; a later clean run clears it', () => {
    const failed = run(
      initialState,
      loaded,
      { type: 'run-started', kind: 'queue' },
      { type: 'run-finished', report: report([], { error: { code: 'password-changed', message: 'AADSTS50173' } }) },
    );
    expect(connectionOf(failed)).toEqual({ state: 'authorisation-failed', cause: 'password-changed', needsSignIn: false });
    const clean = run(
      failed,
      { type: 'run-started', kind: 'queue' },
      { type: 'run-finished', report: report([result({ id: '1', subject: 's', status: 'received' })]) },
    );
    expect(connectionOf(clean).state).toBe('connected');
  });

  it('per-mail and throttling causes leave the connection as it was', () => {
    const s = run(initialState, loaded, { type: 'run-started', kind: 'queue' }, { type: 'run-failed', error: { code: 'throttled', message: '429' } });
    expect(connectionOf(s).state).toBe('connected');
    expect(s.run).toEqual({ phase: 'failed', kind: 'queue', error: { code: 'throttled', message: '429' } });
  });

  it('ignores progress and results that arrive when no run is under way', () => {
    const s = run(initialState, loaded);
    expect(run(s, { type: 'run-progress', progress: { phase: 'filing', done: 1, total: 2 } })).toBe(s);
    expect(run(s, { type: 'run-finished', report: report([]) })).toBe(s);
  });

  it('nobody signed in means Sign in, and an IMAP account opens its own panel', () => {
    expect(connectionOf(run(initialState, { type: 'loaded', account: null }))).toEqual({ state: 'disconnected', needsSignIn: true });
    const imap = run(initialState, { type: 'loaded', account: null, status: status({ kind: 'imap', state: 'connected', username: 'me@example.test' }) });
    expect(imap.view).toBe('imap');
    expect(imap.imap).toEqual({ connected: true, username: 'me@example.test' });
    expect(connectionOf(imap).needsSignIn).toBe(false);
    // /status without a username keeps the one the user authenticated with; a failed state shows the form again.
    const authed = run(
      initialState,
      { type: 'loaded', account: null, status: status({ kind: 'imap', state: 'disconnected' }) },
      { type: 'imap-authenticated', username: 'me@example.test' },
    );
    expect(run(authed, { type: 'status', status: status({ kind: 'imap', state: 'connected' }) }).imap).toEqual({
      connected: true,
      username: 'me@example.test',
    });
    expect(run(authed, { type: 'status', status: status({ kind: 'imap', state: 'authorisation-failed', cause: 'password-changed' }) }).imap.connected).toBe(
      false,
    );
  });

  it('signing out forgets the account and the last run', () => {
    const s = run(initialState, loaded, { type: 'run-started', kind: 'queue' }, { type: 'run-finished', report: report([]) }, { type: 'signed-out' });
    expect(s.account).toBeNull();
    expect(s.run).toEqual({ phase: 'idle' });
    expect(connectionOf(s).needsSignIn).toBe(true);
  });
});

describe('pane words', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  it('says times relative to now in British English', () => {
    expect(relativeTime('2026-11-23T11:59:30Z', now)).toBe('just now');
    expect(relativeTime('2026-11-23T11:55:00Z', now)).toBe('5 minutes ago');
    expect(relativeTime('2026-11-23T10:00:00Z', now)).toBe('2 hours ago');
    expect(relativeTime('2026-11-22T12:00:00Z', now)).toBe('yesterday');
    expect(relativeTime('not a date', now)).toBe('at an unknown time');
  });
  it('counts mails in the singular and plural', () => {
    expect(syncButtonLabel(0)).toBe('Sync to Rezi');
    expect(syncButtonLabel(1)).toBe('Sync 1 selected mail to Rezi');
    expect(syncButtonLabel(3)).toBe('Sync 3 selected mails to Rezi');
    expect(resultSummary({ total: 1, sent: 0, received: 1, failed: 0, pending: 0 })).toBe('Filed 1 mail: 0 sent, 1 received, 0 failed');
    expect(resultSummary({ total: 0, sent: 0, received: 0, failed: 0, pending: 0 })).toBe('Queue was empty: nothing to file.');
    expect(lastSyncCounts({ sent: 1, received: 3, failed: 1, pending: 2 })).toBe('3 received, 1 sent, 1 failed, 2 still in Queue');
  });
});

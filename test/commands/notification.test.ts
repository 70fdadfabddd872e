import type { SyncReport } from '../../src/core/engine';
import { notificationFor } from '../../src/commands/notification';

const report = (r: Partial<SyncReport>): SyncReport => ({
  total: 0,
  sent: 0,
  received: 0,
  failed: 0,
  pending: 0,
  results: [],
  notQueued: [],
  cancelled: false,
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:00:01Z',
  ...r,
});

describe('notificationFor', () => {
  test('counts only what happened, in the order sent, received, failed', () => {
    expect(notificationFor(report({ total: 6, sent: 2, received: 3, failed: 1 }))).toEqual({
      kind: 'informational',
      message: 'Filed in Rezi: 2 sent, 3 received, 1 failed',
    });
    expect(notificationFor(report({ total: 4, received: 3, failed: 1 }))).toEqual({ kind: 'informational', message: 'Filed in Rezi: 3 received, 1 failed' });
  });

  test('mails left in Queue or not moved are counted as waiting', () => {
    expect(notificationFor(report({ total: 3, received: 1, pending: 2, notQueued: [{ id: 'x', cause: 'throttled' }] })).message).toBe(
      'Filed in Rezi: 1 received, 3 waiting',
    );
  });

  test('a run that filed nothing because of an error explains it in plain words', () => {
    const n = notificationFor(report({ error: { code: 'authorisation-expired', message: 'token' } }));
    expect(n).toEqual({ kind: 'error', message: "Couldn't file in Rezi: Your email authorisation has expired. Reconnect account." });
  });

  test('a run stopped part-way says what was filed and why it stopped', () => {
    const n = notificationFor(report({ total: 5, received: 2, pending: 3, error: { code: 'throttled', message: 'slow down' } }));
    expect(n.kind).toBe('error');
    expect(n.message).toBe('Filed in Rezi: 2 received, 3 waiting. Stopped: Microsoft asked us to slow down.');
  });

  test('an empty Queue is not an error; messages stay within Outlook’s 150 characters', () => {
    expect(notificationFor(report({}))).toEqual({ kind: 'informational', message: 'Nothing to file in Rezi: the Queue folder is empty.' });
    for (const code of [
      'authorisation-expired',
      'password-changed',
      'consent-missing',
      'session-stale',
      'server-unreachable',
      'outage-suspected',
      'not-configured',
      'unknown',
    ] as const) {
      expect(notificationFor(report({ error: { code, message: '' } })).message.length).toBeLessThanOrEqual(150);
    }
  });
});

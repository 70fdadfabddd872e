/**
 * The automatic checks over the real Outlook services: what MSAL and Graph say reaches the diagnosis
 * and the support report, without the pane having seen an error first.
 */
import { ServerError } from '@azure/msal-browser';
import { diagnose } from '../../../src/core/diagnosis';
import { buildSupportReport } from '../../../src/core/support-report';
import type { Auth } from '../../../src/outlook/auth';
import type { OutlookConfig } from '../../../src/outlook/config';
import { createOutlookServices } from '../../../src/outlook/services';
import type { PaneServices } from '../../../src/outlook/pane-port';
import { observe } from '../../../src/taskpane/troubleshoot/observe';
import { type GraphStandin, startGraphStandin } from '../../../dev/graph-standin';
import { authFailingWith, fixedAuth, officeStub } from '../../support/office-stub';
import { statusOf } from '../../support/troubleshoot-fixtures';

const SCOPE = 'api://rezi-sync/access_as_user';
const ADAPTER_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJlc2lnbmF0dXJl';

let graph: GraphStandin;
beforeEach(async () => {
  graph = await startGraphStandin({ token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJncmFwaCJ9.Z3JhcGhzaWduYXR1cmVzaWc' });
});
afterEach(() => graph.close());

const config = (): OutlookConfig => ({ clientId: 'cid', adapterUrl: 'http://127.0.0.1:1', adapterScope: SCOPE, graphBaseUrl: graph.url });

/** The real services, with the adapter's status answered as given (the adapter hasn't seen the failure yet). */
function services(auth: Auth, status = statusOf()): PaneServices {
  const real = createOutlookServices(config(), { office: officeStub().office, auth });
  return { ...real, status: async () => status };
}

const report = async (s: PaneServices) => {
  const obs = await observe(s);
  const diagnosis = diagnose(obs.input);
  const support = buildSupportReport({
    diagnosis,
    status: obs.status,
    errors: obs.errors,
    client: { version: '1.2.3' },
    now: new Date('2026-11-23T10:30:00Z'),
  });
  return { obs, diagnosis, support };
};

describe('observe → diagnose over the Outlook services', () => {
  it('a silent token refused with AADSTS50173 → password changed and sign in outside Rezi, with no error from the pane', async () => {
    const msal = new ServerError('invalid_grant', 'corr-50173', 'AADSTS50173: The provided grant has expired due to it being revoked.', '', '50173', 400);
    const { obs, diagnosis, support } = await report(services(await authFailingWith(msal)));

    expect(obs.input.paneError).toBeUndefined();
    expect(obs.input.token).toEqual({
      obtained: false,
      error: {
        code: 'password-changed',
        message: 'Microsoft 365 needs you to sign in again, usually because your password has changed.',
        providerCode: 'AADSTS50173',
        requestId: 'corr-50173',
      },
    });
    expect(obs.input.ping).toBeUndefined();
    expect(diagnosis.cause).toBe('password-changed');
    expect(diagnosis.title).toBe('Your email password has changed');
    expect(diagnosis.checks.find((c) => c.id === 'token-silent')).toMatchObject({
      outcome: 'fail',
      detail: 'Rezi couldn’t sign in without asking you: Your email password has changed (AADSTS50173).',
    });
    expect(diagnosis.nextStep).toMatchObject({ action: 'sign-in-outside', label: 'Sign in to your email provider outside Rezi' });
    expect(diagnosis.nextStep.hint).toMatch(/^Check you can sign in to Outlook on the web/);

    expect(support.errors).toEqual([
      {
        source: 'silent-sign-in',
        code: 'password-changed',
        providerCode: 'AADSTS50173',
        requestId: 'corr-50173',
        message: 'Microsoft 365 needs you to sign in again, usually because your password has changed.',
      },
    ]);
    expect(support.requestIds).toEqual(['corr-50173']);
  });

  it('a Graph ping answered 429 → Microsoft asked us to slow down: wait and try again', async () => {
    graph.fault({ kind: 'throttle', retryAfter: 30 });
    const auth = fixedAuth({ graph: graph.token, adapter: async () => ADAPTER_TOKEN }, SCOPE);
    const { obs, diagnosis, support } = await report(services(auth));

    expect(obs.input.token).toEqual({ obtained: true });
    expect(obs.input.ping).toMatchObject({ target: 'graph', ok: false, error: { code: 'throttled', providerCode: 'ApplicationThrottled' } });
    expect(diagnosis.cause).toBe('throttled');
    expect(diagnosis.title).toBe('Microsoft asked us to slow down');
    expect(diagnosis.checks.find((c) => c.id === 'provider-reachable')).toMatchObject({
      outcome: 'warn',
      detail: 'Microsoft 365 didn’t answer normally: Microsoft asked us to slow down (ApplicationThrottled).',
    });
    expect(diagnosis.nextStep).toEqual({
      action: 'retry-later',
      label: 'Wait and try again',
      hint: 'Microsoft asked Rezi to slow down. Wait a minute or two, then sync again.',
    });
    expect(support.errors).toEqual([expect.objectContaining({ source: 'graph-ping', code: 'throttled', providerCode: 'ApplicationThrottled' })]);
    // Graph's request id is there to quote; the tokens that went to Graph are not.
    expect(support.requestIds).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    const sent = JSON.stringify(support);
    expect(sent).not.toContain(graph.token);
    expect(sent).not.toContain(ADAPTER_TOKEN);
  });

  it('an IMAP account: no token check and no Graph ping', async () => {
    const auth = fixedAuth({ graph: graph.token, adapter: async () => ADAPTER_TOKEN }, SCOPE);
    const s = services(auth, statusOf({ account: { kind: 'imap', state: 'connected', username: 'amelia' } }));
    const checkSignIn = jest.spyOn(s, 'checkSignIn');
    const pingGraph = jest.spyOn(s, 'pingGraph');
    const { obs, diagnosis } = await report(s);
    expect(checkSignIn).not.toHaveBeenCalled();
    expect(pingGraph).not.toHaveBeenCalled();
    expect(obs.input.token).toBeUndefined();
    expect(graph.counters.http).toBe(0);
    expect(diagnosis.checks.find((c) => c.id === 'token-silent')?.outcome).toBe('skipped');
  });
});

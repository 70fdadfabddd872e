/** @jest-environment jsdom */
import '../setup';
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { configure, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ApiStatus } from '../../../src/core/api';
import { SyncError } from '../../../src/core/causes';
import type { SupportReport } from '../../../src/core/support-report';
import type { PaneError } from '../../../src/outlook/pane-port';
import { Troubleshoot } from '../../../src/taskpane/troubleshoot/Troubleshoot';
import { FakeServices, status } from '../fake-services';

// The machine is shared by several developers' test runs: give async UI a little more room than the 1 s default.
configure({ asyncUtilTimeout: 5000 });

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMiLCJleHAiOjE5MDAwMDAwMDB9.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl';

class Services extends FakeServices {
  cases: SupportReport[] = [];
  supportCaseImpl: (r: SupportReport) => Promise<{ reference: string }> = async () => ({ reference: 'RZ-7KQ9MX' });
  async supportCase(r: SupportReport) {
    this.calls.push({ name: 'supportCase', args: [r] });
    this.cases.push(r);
    return this.supportCaseImpl(r);
  }
}

function setup(services: Services, opts: { status?: ApiStatus; lastError?: PaneError; onReconnect?: () => Promise<void> } = {}) {
  const user = userEvent.setup();
  const onReconnect = jest.fn(opts.onReconnect ?? (async () => void (await services.signIn().catch(() => undefined))));
  const onClearCachedSession = jest.fn(async () => void (await services.clearCachedSession()));
  const onBack = jest.fn();
  render(
    <FluentProvider theme={webLightTheme}>
      <Troubleshoot
        services={services}
        connection={{ state: 'connected', needsSignIn: false }}
        account={undefined}
        status={opts.status}
        lastError={opts.lastError}
        onReconnect={onReconnect}
        onClearCachedSession={onClearCachedSession}
        onBack={onBack}
        clientVersion="1.2.3"
        now={() => new Date('2026-11-23T10:30:00Z')}
      />
    </FluentProvider>,
  );
  return { user, onReconnect, onClearCachedSession, onBack };
}

const causeSection = () => screen.getByRole('heading', { name: /^Likely cause:/ }).closest('section') as HTMLElement;
const checkItem = (label: RegExp) => within(screen.getByRole('list', { name: 'Automatic checks' })).getByText(label);

async function diagnosed(title: string) {
  await screen.findByRole('heading', { name: `Likely cause: ${title}` });
}

describe('Troubleshoot view: each cause shows its words and one next step', () => {
  it('expired token → Reconnect account, which signs in and checks again', async () => {
    const s = new Services({ account: undefined, status: status({ state: 'authorisation-failed', cause: 'authorisation-expired' }) });
    const { user, onReconnect } = setup(s, { lastError: { code: 'authorisation-expired', message: 'Sign in again' } });
    await diagnosed('Your email authorisation has expired');
    expect(checkItem(/^Email account connected: Failed$/)).toBeTruthy();
    expect(checkItem(/^Sign-in still valid: Failed$/)).toBeTruthy();
    expect(within(causeSection()).getByText(/permission to read your mailbox has lapsed/)).toBeTruthy();
    expect(within(causeSection()).getByText('Reconnecting usually fixes most sync issues within a few minutes.')).toBeTruthy();
    const buttons = within(causeSection()).getAllByRole('button');
    expect(buttons.map((b) => b.textContent)).toEqual(['Reconnect account']);

    s.statusValue = status();
    await user.click(buttons[0]);
    expect(onReconnect).toHaveBeenCalledTimes(1);
    await diagnosed('Nothing wrong found automatically');
    expect(s.called('status').length).toBe(2);
  });

  it('password changed (AADSTS50173) → sign in to your provider outside Rezi first', async () => {
    const s = new Services({
      status: status({ state: 'authorisation-failed', cause: 'password-changed' }),
      signInError: { code: 'password-changed', message: 'The password has changed', providerCode: 'AADSTS50173' },
    });
    const { user } = setup(s);
    await diagnosed('Your email password has changed');
    expect(within(causeSection()).getByText(/Has your email password changed recently\?/)).toBeTruthy();
    expect(screen.getByText(/AADSTS50173/)).toBeTruthy();
    const [only] = within(causeSection()).getAllByRole('button');
    expect(only.textContent).toBe('Sign in to your email provider outside Rezi');
    await user.click(only);
    expect(screen.getByText('Check your sign-in outside Rezi')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'I can sign in: reconnect now' })).toBeTruthy();
  });

  it('IMAP AUTHENTICATIONFAILED → password changed, no token check', async () => {
    const s = new Services({
      account: undefined,
      status: status(
        { kind: 'imap', state: 'authorisation-failed', cause: 'password-changed', username: 'jane' },
        { recentFailures: [{ at: '2026-11-23T10:00:00Z', code: 'password-changed', message: 'Login failed', providerCode: 'AUTHENTICATIONFAILED' }] },
      ),
    });
    setup(s);
    await diagnosed('Your email password has changed');
    expect(checkItem(/^Sign-in still valid: Not checked$/)).toBeTruthy();
    expect(screen.getByText(/AUTHENTICATIONFAILED/)).toBeTruthy();
    expect(within(causeSection()).getByText(/webmail/)).toBeTruthy();
    expect(s.called('checkSignIn')).toHaveLength(0);
    expect(s.called('pingGraph')).toHaveLength(0);
  });

  it('consent missing → Reconnect account with the approval wording', async () => {
    const s = new Services({ signInError: { code: 'consent-missing', message: 'Consent required', providerCode: 'AADSTS65001' } });
    setup(s);
    await diagnosed('Permission is needed');
    expect(within(causeSection()).getByText(/needs your approval/)).toBeTruthy();
    expect(
      within(causeSection())
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['Reconnect account']);
  });

  it('cache/session error → Clear cached sign-in, which clears then signs in again', async () => {
    const s = new Services({ signInError: { code: 'unknown', message: 'cache read failed', providerCode: 'no_tokens_found' } });
    const { user, onReconnect, onClearCachedSession } = setup(s);
    await diagnosed('A cached sign-in is out of date');
    const [only] = within(causeSection()).getAllByRole('button');
    expect(only.textContent).toBe('Clear cached sign-in');
    await user.click(only);
    await waitFor(() => expect(onReconnect).toHaveBeenCalled());
    expect(onClearCachedSession).toHaveBeenCalledTimes(1);
    const order = s.calls.map((c) => c.name).filter((n) => n === 'clearCachedSession' || n === 'signIn');
    expect(order).toEqual(['clearCachedSession', 'signIn']);
  });

  it('reconnecting fails the same way → the next step becomes clearing the cached sign-in', async () => {
    const s = new Services({ account: undefined, status: status({ state: 'authorisation-failed', cause: 'authorisation-expired' }) });
    const { user } = setup(s, { onReconnect: async () => undefined });
    await diagnosed('Your email authorisation has expired');
    await user.click(within(causeSection()).getByRole('button', { name: 'Reconnect account' }));
    await diagnosed('A cached sign-in is out of date');
    expect(within(causeSection()).getByText(/^Reconnecting didn’t help/)).toBeTruthy();
  });

  it('outage affecting 3 users → wait and retry later', async () => {
    const outage = {
      suspected: true,
      provider: 'microsoft365' as const,
      affectedUsers: 3,
      since: '2026-11-23T10:00:00.000Z',
      message: 'Possible Microsoft 365 / Google service issue',
    };
    const s = new Services({ status: status({ state: 'disconnected', cause: 'server-unreachable' }, { outage }) });
    const { user } = setup(s);
    await diagnosed('Possible Microsoft 365 / Google service issue');
    expect(checkItem(/^Other people affected: Failed$/)).toBeTruthy();
    expect(screen.getByText(/^3 people in your organisation/)).toBeTruthy();
    expect(within(causeSection()).getByText(/Microsoft 365 Service Status/)).toBeTruthy();
    const [only] = within(causeSection()).getAllByRole('button');
    expect(only.textContent).toBe('Wait and retry later');
    await user.click(only);
    await waitFor(() => expect(s.called('status')).toHaveLength(2));
  });

  it('server unreachable → Try again', async () => {
    const s = new Services({ pingError: { code: 'server-unreachable', message: 'fetch failed', requestId: 'graph-req-1' } });
    setup(s);
    await diagnosed('The mail server can’t be reached');
    expect(checkItem(/^Mail service answering: Failed$/)).toBeTruthy();
    expect(
      within(causeSection())
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['Try again']);
    expect(within(causeSection()).getByText(/internet connection/)).toBeTruthy();
  });
});

describe('Troubleshoot view: the checks find the cause themselves, without the pane’s last error', () => {
  it('a silent sign-in refused with AADSTS50173 → password changed, even though the status still says connected', async () => {
    const s = new Services({
      signInError: {
        code: 'password-changed',
        message: 'Microsoft 365 needs you to sign in again, usually because your password has changed.',
        providerCode: 'AADSTS50173',
        requestId: 'corr-50173',
      },
    });
    const { user } = setup(s);
    await diagnosed('Your email password has changed');
    expect(checkItem(/^Email account connected: Passed$/)).toBeTruthy();
    expect(checkItem(/^Sign-in still valid: Failed$/)).toBeTruthy();
    expect(screen.getByText('Rezi couldn’t sign in without asking you: Your email password has changed (AADSTS50173).')).toBeTruthy();
    expect(checkItem(/^Mail service answering: Not checked$/)).toBeTruthy();
    expect(s.called('pingGraph')).toHaveLength(0);
    expect(within(causeSection()).getByText(/Has your email password changed recently\?/)).toBeTruthy();
    expect(within(causeSection()).getByText(/^Check you can sign in to Outlook on the web/)).toBeTruthy();
    expect(
      within(causeSection())
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['Sign in to your email provider outside Rezi']);

    // The report carries Entra's code and the correlation id, and nothing secret.
    await user.click(screen.getByRole('button', { name: 'Copy report' }));
    await screen.findByText(/Report copied/);
    const text = await navigator.clipboard.readText();
    expect(text).toMatch(/Likely cause: password-changed/);
    expect(text).toContain('silent-sign-in: password-changed (AADSTS50173) request corr-50173');
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });

  it('a Graph ping answered 429 → Microsoft asked us to slow down: wait and try again', async () => {
    const s = new Services({
      pingError: {
        code: 'throttled',
        message: 'Microsoft 365 is limiting requests to your mailbox; try again in a few minutes.',
        providerCode: 'TooManyRequests',
      },
    });
    const { user } = setup(s);
    await diagnosed('Microsoft asked us to slow down');
    expect(checkItem(/^Sign-in still valid: Passed$/)).toBeTruthy();
    expect(checkItem(/^Mail service answering: Warning$/)).toBeTruthy();
    expect(screen.getByText('Microsoft 365 didn’t answer normally: Microsoft asked us to slow down (TooManyRequests).')).toBeTruthy();
    expect(within(causeSection()).getByText('Microsoft asked Rezi to slow down. Wait a minute or two, then sync again.')).toBeTruthy();
    expect(within(causeSection()).getByText('Your mails are safe: anything waiting in Queue will be filed on the next sync.')).toBeTruthy();
    const [only] = within(causeSection()).getAllByRole('button');
    expect(only.textContent).toBe('Wait and try again');

    // Once Microsoft answers again, checking again finds nothing wrong.
    s.pingError = undefined;
    await user.click(only);
    await diagnosed('Nothing wrong found automatically');
    expect(s.called('pingGraph')).toHaveLength(2);
  });
});

describe('Troubleshoot view: guided flow, help box, escalation and copy', () => {
  it('nothing found → the steps, and escalation gives a reference; the report holds no secrets', async () => {
    const s = new Services();
    const { user } = setup(s, { lastError: { code: 'unknown', message: `Bearer ${JWT} rejected`, requestId: 'req-77' } });
    await diagnosed('Nothing wrong found automatically');
    expect(
      within(causeSection())
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['Go through the steps']);
    await user.click(screen.getByRole('button', { name: 'Escalate to Rezi support' }));
    expect(await screen.findByText('RZ-7KQ9MX')).toBeTruthy();
    expect(screen.getByText(/Your case reference is/)).toBeTruthy();
    expect(s.cases).toHaveLength(1);
    const sent = JSON.stringify(s.cases[0]);
    expect(sent).not.toContain(JWT);
    expect(s.cases[0].requestIds).toContain('req-77');
    expect(s.cases[0].client).toMatchObject({ version: '1.2.3', host: 'Outlook' });
    expect(screen.getByRole('button', { name: 'Escalate to Rezi support' })).toHaveProperty('disabled', true);
  });

  it('escalation opens only after every user-side step, in the guide’s order', async () => {
    const s = new Services({ pingError: { code: 'throttled', message: 'slow down', providerCode: 'ApplicationThrottled' } });
    const { user } = setup(s);
    await diagnosed('Microsoft asked us to slow down');
    const escalateButton = () => screen.getByRole('button', { name: 'Escalate to Rezi support' }) as HTMLButtonElement;
    expect(escalateButton().disabled).toBe(true);
    const titles: string[] = [];
    for (const [title, next] of [
      ['Check the connection', /It says Disconnected/],
      ['Reconnect if needed', /^Done, still not syncing$/],
      ['Check your credentials', /still not syncing$/],
      ['Clear the cached sign-in', /^Done, still not syncing$/],
    ] as const) {
      expect(screen.getByText(new RegExp(`Step \\d of 5: ${title}`))).toBeTruthy();
      titles.push(title);
      expect(escalateButton().disabled).toBe(true);
      await user.click(screen.getByRole('button', { name: next }));
    }
    expect(screen.getByText('Step 5 of 5: Escalate to Rezi support')).toBeTruthy();
    expect(screen.getByText(/It may be a sync issue our technical team needs to review/)).toBeTruthy();
    expect(escalateButton().disabled).toBe(false);
    await user.click(escalateButton());
    await screen.findByText('RZ-7KQ9MX');
    expect(s.cases[0].steps.map((x) => x.id)).toEqual(['check-connection', 'reconnect', 'check-credentials', 'clear-cache']);
  });

  it('the help box recognises the guide’s phrases and says so when it cannot', async () => {
    const s = new Services();
    const { user } = setup(s);
    await diagnosed('Nothing wrong found automatically');
    const box = screen.getByRole('textbox', { name: 'Describe the problem' });
    await user.click(box);
    await user.paste('How do I add a contact?');
    await user.click(screen.getByRole('button', { name: 'Ask' }));
    expect(screen.getByText(/I couldn’t match that to a sync problem/)).toBeTruthy();
    await user.clear(box);
    await user.click(box);
    await user.paste('Authorization failed for my email account');
    await user.click(screen.getByRole('button', { name: 'Ask' }));
    expect(screen.getByText(/An authorisation failure usually means/)).toBeTruthy();
    expect(screen.getByText('Step 2 of 5: Reconnect if needed')).toBeTruthy();
    await user.clear(box);
    await user.click(box);
    await user.paste('my emails arent syncing');
    await user.click(screen.getByRole('button', { name: 'Ask' }));
    expect(screen.getByText(/Sorry to hear your emails aren’t syncing/)).toBeTruthy();
    expect(screen.getByText('Step 1 of 5: Check the connection')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Step by step' }));
  });

  it('a failed escalation says so and points to the copy', async () => {
    const s = new Services();
    s.supportCaseImpl = async () => {
      throw new SyncError('server-unreachable', 'down');
    };
    const { user } = setup(s);
    await diagnosed('Nothing wrong found automatically');
    await user.click(screen.getByRole('button', { name: 'Escalate to Rezi support' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/couldn’t send the report just now .*Copy the report/);
  });

  it('copies the report (Clipboard API), without secrets', async () => {
    const s = new Services();
    const { user } = setup(s, { lastError: { code: 'unknown', message: `password=hunter2 ${JWT}` } });
    await diagnosed('Nothing wrong found automatically');
    await user.click(screen.getByRole('button', { name: 'Copy report' }));
    expect(await screen.findByText(/Report copied/)).toBeTruthy();
    const text = await navigator.clipboard.readText();
    expect(text).toMatch(/^Rezi Email Sync — diagnostics report/);
    expect(text).toMatch(/\[PASS\] account-connected/);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(JWT);
  });

  it('copies with the textarea fallback when the Clipboard API is refused', async () => {
    const s = new Services();
    const { user } = setup(s);
    await diagnosed('Nothing wrong found automatically');
    jest.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new Error('NotAllowedError'));
    let copied = '';
    // What execCommand('copy') would copy: the selected, read-only textarea the fallback puts in the page.
    const exec = jest.fn((cmd: string) => {
      copied = (document.querySelector('textarea[readonly]') as HTMLTextAreaElement | null)?.value ?? '';
      return cmd === 'copy';
    });
    Object.defineProperty(document, 'execCommand', { value: exec, configurable: true });
    await user.click(screen.getByRole('button', { name: 'Copy report' }));
    expect(await screen.findByText(/Report copied/)).toBeTruthy();
    expect(exec).toHaveBeenCalledWith('copy');
    expect(copied).toMatch(/^Rezi Email Sync — diagnostics report/);
    expect(document.querySelector('textarea[readonly]')).toBeNull();
  });

  it('Back returns to the pane', async () => {
    const s = new Services();
    const { user, onBack } = setup(s);
    await diagnosed('Nothing wrong found automatically');
    await user.click(screen.getByRole('button', { name: 'Back' }));
    expect(onBack).toHaveBeenCalled();
  });
});

describe('Troubleshoot view: accessibility', () => {
  it('has no axe violations once diagnosed (names, roles, live regions)', async () => {
    const axe = (await import('axe-core')).default;
    const s = new Services({ status: status({ state: 'authorisation-failed', cause: 'authorisation-expired' }) });
    setup(s);
    await diagnosed('Your email authorisation has expired');
    // color-contrast needs layout, which jsdom does not have.
    const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    expect(screen.getAllByRole('status').length).toBeGreaterThanOrEqual(3);
  });
});

describe('Troubleshoot view: a check that throws instead of reporting', () => {
  it('is observed all the same, with its cause', async () => {
    const s = new Services();
    jest.spyOn(s, 'pingGraph').mockRejectedValue(new SyncError('server-unreachable', 'fetch failed'));
    setup(s);
    await diagnosed('The mail server can’t be reached');
    expect(checkItem(/^Mail service answering: Failed$/)).toBeTruthy();
  });
});

describe('Troubleshoot view: an error nobody recognises', () => {
  it('offers to try again, with escalation open at once', async () => {
    const s = new Services({ status: status({ state: 'disconnected', cause: 'unknown' }) });
    setup(s, { lastError: { code: 'unknown', message: 'boom' } });
    await diagnosed('Something went wrong');
    expect(
      within(causeSection())
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['Try again, then contact support']);
    expect((screen.getByRole('button', { name: 'Escalate to Rezi support' }) as HTMLButtonElement).disabled).toBe(false);
  });
});

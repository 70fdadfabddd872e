/** @jest-environment jsdom */
import './setup';
import { screen, waitFor, within } from '@testing-library/react';
import type { ApiStatus } from '../../src/core/api';
import type { AutomaticFilingApi } from '../../src/outlook/pane-port';
import { FakeServices, SyncError, deferred, status } from './fake-services';
import { renderPane, stateBadge } from './render';

type Watch = NonNullable<ApiStatus['account']['watch']>;

/** The pane's services with Office 365 automatic filing; the adapter's grant shows in /status as `account.watch`, as the real one does. */
class FilingServices extends FakeServices {
  turnOnImpl: () => Promise<{ pollSeconds: number }> = async () => ({ pollSeconds: 60 });
  turnOffImpl: () => Promise<void> = async () => undefined;
  automaticFiling: AutomaticFilingApi = {
    turnOn: async () => {
      this.calls.push({ name: 'automaticFiling.turnOn', args: [] });
      const answer = await this.turnOnImpl();
      this.setWatch({ watched: true, enabled: true });
      return answer;
    },
    turnOff: async () => {
      this.calls.push({ name: 'automaticFiling.turnOff', args: [] });
      await this.turnOffImpl();
      this.setWatch(undefined);
    },
  };
  setWatch(watch: Watch | undefined) {
    const s = this.statusValue as ApiStatus;
    this.statusValue = { ...s, account: { ...s.account, watch } };
  }
}

const theSwitch = () => screen.findByRole('switch', { name: 'File new mail in Queue automatically' });
const section = () => screen.getByRole('region', { name: 'Automatic filing' });

describe('Office 365 automatic filing switch', () => {
  it('turning it on asks the adapter, then shows what /status now says, with the interval the adapter answered', async () => {
    const services = new FilingServices();
    services.turnOnImpl = async () => ({ pollSeconds: 120 });
    const { user } = await renderPane(services);
    const toggle = (await theSwitch()) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    expect(screen.getByText('Rezi checks your Queue folder every minute or so, even with Outlook closed, and files new mail for you.')).toBeTruthy();
    const statusCalls = services.called('status').length;

    await user.click(toggle);
    await waitFor(() => expect(toggle.checked).toBe(true));
    expect(services.called('automaticFiling.turnOn')).toHaveLength(1);
    expect(services.called('status').length).toBeGreaterThan(statusCalls);
    expect(screen.getByText('Rezi checks your Queue folder every 2 minutes, even with Outlook closed, and files new mail for you.')).toBeTruthy();
    // The status card says the same as it does for a watched IMAP Queue.
    expect(screen.getByText('Queue is watched: new mail is filed automatically')).toBeTruthy();
  });

  it('turning it off deletes the grant and the switch follows /status back to off', async () => {
    const services = new FilingServices({ status: status({ watch: { watched: true, enabled: true } }) });
    const { user } = await renderPane(services);
    const toggle = (await theSwitch()) as HTMLInputElement;
    expect(toggle.checked).toBe(true);
    await user.click(toggle);
    await waitFor(() => expect(toggle.checked).toBe(false));
    expect(services.called('automaticFiling.turnOff')).toHaveLength(1);
    expect(screen.queryByText('Queue is watched: new mail is filed automatically')).toBeNull();
  });

  it('is busy while the call runs: the switch rests and says what it is doing', async () => {
    const services = new FilingServices();
    const call = deferred<{ pollSeconds: number }>();
    services.turnOnImpl = () => call.promise;
    const { user } = await renderPane(services);
    const toggle = (await theSwitch()) as HTMLInputElement;
    await user.click(toggle);
    expect(await screen.findByText('Turning automatic filing on…')).toBeTruthy();
    expect(toggle.disabled).toBe(true);
    call.resolve({ pollSeconds: 60 });
    await waitFor(() => expect(screen.queryByText('Turning automatic filing on…')).toBeNull());
    expect(toggle.disabled).toBe(false);
    expect(toggle.checked).toBe(true);
  });

  const refusals: [string, SyncError, RegExp, RegExp][] = [
    [
      'not set up on the adapter',
      new SyncError('not-configured', 'Automatic filing for Office 365 is not set up on this adapter.', {
        status: 409,
        providerCode: 'graph-automatic-filing-off',
      }),
      /Automatic filing isn’t set up yet/,
      /Your IT administrator needs to set up automatic filing for Office 365/,
    ],
    [
      'turned off by the branch',
      new SyncError('unknown', 'Your branch’s IT administrator has turned automatic filing off.', { status: 409, providerCode: 'automatic-filing-off' }),
      /Automatic filing is off for your branch/,
      /Your branch’s IT administrator has turned automatic filing off\. Sync Queue folder still files/,
    ],
    [
      'refused for want of admin consent',
      new SyncError('consent-missing', 'AADSTS65001', { status: 422, providerCode: 'graph-consent-missing' }),
      /An administrator’s approval is needed/,
      /Ask your IT support/,
    ],
    [
      'unreachable',
      new SyncError('server-unreachable', 'The Rezi adapter could not be reached.'),
      /Rezi couldn’t be reached/,
      /Nothing has changed\. Check your internet connection and try again/,
    ],
  ];
  it.each(refusals)('says in plain words with the next step when turning on is %s', async (_name, error, title, text) => {
    const services = new FilingServices();
    services.turnOnImpl = async () => {
      throw error;
    };
    const { user } = await renderPane(services);
    const toggle = (await theSwitch()) as HTMLInputElement;
    await user.click(toggle);
    const bar = await within(section()).findByText(title);
    expect(bar.closest('.fui-MessageBarBody')?.textContent).toMatch(text);
    expect(toggle.checked).toBe(false);
    // A provider's raw code is never the words shown.
    expect(section().textContent).not.toContain('AADSTS65001');
  });

  it('rests, with the reason kept, once the adapter says it is not set up', async () => {
    const services = new FilingServices();
    services.turnOnImpl = async () => {
      throw new SyncError('not-configured', 'Not set up.', { status: 409, providerCode: 'graph-automatic-filing-off' });
    };
    const { user } = await renderPane(services);
    const toggle = (await theSwitch()) as HTMLInputElement;
    await user.click(toggle);
    await within(section()).findByText(/Automatic filing isn’t set up yet/);
    expect(toggle.disabled).toBe(true);
  });

  it('can be tried again after Rezi could not be reached, and then turns on', async () => {
    const services = new FilingServices();
    let fail = true;
    services.turnOnImpl = async () => {
      if (fail) throw new SyncError('server-unreachable', 'The Rezi adapter could not be reached.');
      return { pollSeconds: 60 };
    };
    const { user } = await renderPane(services);
    const toggle = (await theSwitch()) as HTMLInputElement;
    await user.click(toggle);
    await within(section()).findByText(/Rezi couldn’t be reached/);
    expect(toggle.disabled).toBe(false);
    fail = false;
    await user.click(toggle);
    await waitFor(() => expect(toggle.checked).toBe(true));
    expect(within(section()).queryByText(/Rezi couldn’t be reached/)).toBeNull();
  });

  it('rests from the start, with why, when /status says the adapter is not set up for it', async () => {
    const services = new FilingServices({ status: status({ graphAutomaticFiling: false }) });
    await renderPane(services);
    const toggle = (await theSwitch()) as HTMLInputElement;
    expect(toggle.disabled).toBe(true);
    expect(within(section()).getByText(/Automatic filing isn’t set up on Rezi’s adapter yet: your IT administrator can set it up/)).toBeTruthy();
  });

  it('says the interval /status gives once it is on', async () => {
    await renderPane(new FilingServices({ status: status({ graphAutomaticFiling: true, watch: { watched: true, enabled: true, pollSeconds: 300 } }) }));
    expect((await theSwitch()) as HTMLInputElement).toHaveProperty('checked', true);
    expect(screen.getByText('Rezi checks your Queue folder every 5 minutes, even with Outlook closed, and files new mail for you.')).toBeTruthy();
  });

  it('is disabled with why when the branch’s IT turned automatic filing off', async () => {
    const services = new FilingServices({ status: status({ watch: { watched: false, enabled: false } }) });
    await renderPane(services);
    const toggle = (await theSwitch()) as HTMLInputElement;
    expect(toggle.disabled).toBe(true);
    expect(within(section()).getByText('Your branch’s IT administrator has turned automatic filing off.')).toBeTruthy();
    // The status card names this path's own button.
    expect(screen.getByText('Automatic filing is off for your branch: press Sync Queue folder to file the mail in Queue.')).toBeTruthy();
  });

  it('is not offered on the IMAP path, nor before anyone signs in', async () => {
    const imap = new FilingServices({ status: status({ kind: 'imap', username: 'jane@mail.example', watch: { watched: true, enabled: true } }) });
    const { unmount } = await renderPane(imap);
    await screen.findByText('Queue is watched: new mail is filed automatically');
    expect(screen.queryByRole('switch', { name: 'File new mail in Queue automatically' })).toBeNull();
    unmount();
    const signedOut = new FilingServices({ account: undefined, status: status({ kind: 'none', state: 'disconnected' }) });
    await renderPane(signedOut);
    await waitFor(() => expect(stateBadge().textContent).toBe('Disconnected'));
    expect(screen.queryByRole('switch')).toBeNull();
  });
});

describe('status card, Office 365 with automatic filing', () => {
  it('says Queue is watched and when it last filed automatically, as for IMAP', async () => {
    const watch = { watched: true, enabled: true, lastRunAt: '2026-11-23T10:27:00.000Z' };
    await renderPane(new FilingServices({ status: status({ watch }) }));
    expect(await screen.findByText('Queue is watched: new mail is filed automatically')).toBeTruthy();
    expect(screen.getByText('Last filed automatically 3 minutes ago')).toBeTruthy();
  });

  it('says nothing of it while the sign-in is refused', async () => {
    const watch = { watched: true, enabled: true, lastRunAt: '2026-11-23T10:27:00.000Z' };
    await renderPane(new FilingServices({ status: status({ state: 'authorisation-failed', cause: 'authorisation-expired', watch }) }));
    await waitFor(() => expect(stateBadge().textContent).toBe('Authorisation failed'));
    expect(screen.queryByText('Queue is watched: new mail is filed automatically')).toBeNull();
  });
});

/** @jest-environment jsdom */
/**
 * The Troubleshoot view in the pane's own slot: opened from the status card when it is not
 * Connected, with the pane's state (status, last error, reconnect) flowing in, and Back returning.
 */
import { configure, screen, within } from '@testing-library/react';
import { SyncError } from '../../../src/core/causes';
import { Troubleshoot } from '../../../src/taskpane/troubleshoot/Troubleshoot';
import { FakeServices, status } from '../fake-services';
import { renderPane } from '../render';

configure({ asyncUtilTimeout: 5000 });

describe('Troubleshoot in the pane', () => {
  it('opens from the status card, diagnoses a changed password, and goes back', async () => {
    const s = new FakeServices({ account: undefined, status: status({ state: 'authorisation-failed', cause: 'password-changed' }) });
    s.signInImpl = async () => {
      throw new SyncError('password-changed', 'password changed', { providerCode: 'AADSTS50173' });
    };
    const { user } = await renderPane(s, { Troubleshoot });
    await user.click(screen.getAllByRole('button', { name: 'Troubleshoot' })[0]);
    const heading = await screen.findByRole('heading', { name: 'Likely cause: Your email password has changed' });
    const section = heading.closest('section') as HTMLElement;
    expect(
      within(section)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['Sign in to your email provider outside Rezi']);
    expect(screen.getByRole('heading', { name: 'Troubleshoot email sync' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Back' }));
    expect(await screen.findByRole('heading', { name: 'Email sync status' })).toBeTruthy();
  });

  it('opens from the Help link when all is well, and escalation is open', async () => {
    const s = new FakeServices();
    const { user } = await renderPane(s, { Troubleshoot });
    await user.click(screen.getByRole('button', { name: 'Help' }));
    await screen.findByRole('heading', { name: 'Likely cause: Nothing wrong found automatically' });
    expect((screen.getByRole('button', { name: 'Escalate to Rezi support' }) as HTMLButtonElement).disabled).toBe(false);
  });
});

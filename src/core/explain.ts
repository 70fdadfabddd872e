/**
 * Plain words for every cause, in the tone of Rezi's support guide (seed 000): calm, methodical,
 * slightly technical, reassuring. British English. The UI and the troubleshooter both read these.
 */
import type { CauseCode } from './causes';

export type NextAction = 'reconnect' | 'sign-in-outside' | 'clear-cache' | 'retry-later' | 'contact-it' | 'add-contact' | 'none' | 'retry' | 'escalate';

export interface Explanation {
  title: string;
  explanation: string;
  nextStep: { action: NextAction; label: string; hint: string };
}

const RECONNECT_REASSURANCE = 'Reconnecting usually fixes most sync issues within a few minutes.';

export const EXPLANATIONS: Record<CauseCode, Explanation> = {
  'authorisation-expired': {
    title: 'Your email authorisation has expired',
    explanation: 'Rezi’s permission to read your mailbox has lapsed and needs renewing. This happens from time to time and is nothing to worry about.',
    nextStep: { action: 'reconnect', label: 'Reconnect account', hint: `Sign in again and approve any permission requests. ${RECONNECT_REASSURANCE}` },
  },
  'password-changed': {
    title: 'Your email password has changed',
    explanation: 'Has your email password changed recently? Rezi can’t sync after a password change until you reconnect with the new one.',
    nextStep: {
      action: 'reconnect',
      label: 'Reconnect account',
      hint: `Check you can sign in to your email outside Rezi with the new password, then reconnect. ${RECONNECT_REASSURANCE}`,
    },
  },
  'consent-missing': {
    title: 'Permission is needed',
    explanation: 'Rezi needs your approval (or your IT administrator’s) to read and file your mail.',
    nextStep: {
      action: 'reconnect',
      label: 'Reconnect account',
      hint: 'Sign in again and approve the permission request. If it says an administrator must approve, ask your IT support.',
    },
  },
  'session-stale': {
    title: 'A cached sign-in is out of date',
    explanation: 'A stored sign-in is stopping Rezi from reconnecting. Clearing it is safe: nothing in your mailbox or in Rezi is lost.',
    nextStep: { action: 'clear-cache', label: 'Clear cached sign-in', hint: 'We’ll clear the stored sign-in; then reconnect and try the sync again.' },
  },
  'server-unreachable': {
    title: 'The mail server can’t be reached',
    explanation: 'Rezi couldn’t reach the server just now. Your mails are safe: anything waiting in Queue will be filed on the next sync.',
    nextStep: { action: 'retry', label: 'Try again', hint: 'Check your internet connection and try again in a minute or two.' },
  },
  'certificate-invalid': {
    title: 'The mail server’s certificate isn’t trusted',
    explanation: 'The server presented a security certificate that couldn’t be verified, so Rezi didn’t send your password to it.',
    nextStep: { action: 'contact-it', label: 'Contact IT support', hint: 'Ask your IT support to check the branch’s IMAP server certificate.' },
  },
  throttled: {
    title: 'Microsoft asked us to slow down',
    explanation:
      'Your mailbox received a lot of requests at once, so Microsoft paused us briefly. Nothing is lost: mails waiting in Queue will be filed shortly.',
    nextStep: { action: 'retry-later', label: 'Try again shortly', hint: 'Wait a minute, then sync again.' },
  },
  'outage-suspected': {
    title: 'Possible Microsoft 365 / Google service issue',
    explanation:
      'Several people in your organisation are having the same problem right now, which points to a temporary outage at the email provider rather than anything on your side.',
    nextStep: {
      action: 'retry-later',
      label: 'Wait and retry later',
      hint: 'Check the Microsoft 365 Service Status or Google Workspace Status Dashboard, and retry later.',
    },
  },
  'not-configured': {
    title: 'Your branch is not set up for email sync yet',
    explanation: 'Your branch is not set up for email sync yet — ask your IT support to send the branch’s IMAP details.',
    nextStep: { action: 'contact-it', label: 'Contact IT support', hint: 'Once support confirms your branch is set up, you can continue.' },
  },
  'server-settings-changed': {
    title: 'Your branch’s mail server settings have changed',
    explanation:
      'Your IT administrator changed the branch’s mail server settings, so Rezi forgot your email password: it was entered for the old server, and is never sent to a new one.',
    nextStep: {
      action: 'reconnect',
      label: 'Reconnect account',
      hint: `Enter your email username and password again and press Authenticate. ${RECONNECT_REASSURANCE}`,
    },
  },
  'no-matching-group': {
    title: 'No matching group in Rezi',
    explanation: 'Neither the To nor the From address is linked to a group card in Rezi, so no timeline event was added.',
    nextStep: {
      action: 'add-contact',
      label: 'Link the address in Rezi',
      hint: 'Add the address to the right contact on a group card, then move the mail back into Queue and sync again.',
    },
  },
  'invalid-message': {
    title: 'This mail can’t be filed',
    explanation: 'The mail is missing something Rezi needs to file it (such as a sender or a message id) — drafts often are.',
    nextStep: { action: 'none', label: 'No action needed', hint: 'Send the mail first, or file it by hand in Rezi.' },
  },
  'message-gone': {
    title: 'The mail was moved elsewhere',
    explanation: 'The mail was moved or deleted while the sync was running.',
    nextStep: { action: 'none', label: 'No action needed', hint: 'If you still want it filed, move it into Queue and sync again.' },
  },
  cancelled: {
    title: 'Sync cancelled',
    explanation: 'The sync stopped before it finished. Nothing is lost: mails still in Queue will be filed on the next sync.',
    nextStep: { action: 'retry', label: 'Sync again', hint: 'Start the sync again whenever you’re ready.' },
  },
  unknown: {
    title: 'Something went wrong',
    explanation: 'The sync hit an unexpected problem. Your mails are safe in Queue.',
    nextStep: { action: 'escalate', label: 'Try again, then contact support', hint: 'Try again; if it keeps happening, our technical team can review it.' },
  },
};

export function explain(code: CauseCode): Explanation {
  return EXPLANATIONS[code] ?? EXPLANATIONS.unknown;
}

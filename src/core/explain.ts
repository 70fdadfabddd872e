/**
 * Plain words for every cause, in the tone of Rezi's support guide (seed 000): calm, methodical,
 * slightly technical, reassuring. British English. The status card, the troubleshooter and the
 * sign-in's own errors all read these. Only words: what a cause does is CAUSES in causes.ts.
 */
import type { CauseCode } from './causes';

export type NextAction = 'reconnect' | 'sign-in-outside' | 'clear-cache' | 'retry-later' | 'contact-it' | 'add-contact' | 'none' | 'retry' | 'escalate';

export interface NextStep {
  action: NextAction;
  label: string;
  hint: string;
}

export interface Explanation {
  title: string;
  explanation: string;
  nextStep: NextStep;
  /** What the troubleshooter says: its reassurance, and its own next step where the guide's differs from the card's (IMAP accounts may differ again). */
  troubleshooter: { reassurance: string; nextStep?: NextStep; imapNextStep?: NextStep };
  /** The message of a sign-in (MSAL) failure with this cause, for the causes a sign-in can end in. */
  signInFailure?: string;
}

const RECONNECT_REASSURANCE = 'Reconnecting usually fixes most sync issues within a few minutes.';
const QUEUE_SAFE = 'Your mails are safe: anything waiting in Queue will be filed on the next sync.';
const SORTED_OUT = 'Your mails are safe in Queue while this is sorted out.';

/** The troubleshooter's words when it found no cause. */
export const NOTHING_FOUND_REASSURANCE =
  'Nothing looks wrong from here, so let’s go through the steps below together. If they don’t fix it, our technical team will take it from there.';

export const EXPLANATIONS: Record<CauseCode, Explanation> = {
  'authorisation-expired': {
    title: 'Your email authorisation has expired',
    explanation: 'Rezi’s permission to read your mailbox has lapsed and needs renewing. This happens from time to time and is nothing to worry about.',
    nextStep: { action: 'reconnect', label: 'Reconnect account', hint: `Sign in again and approve any permission requests. ${RECONNECT_REASSURANCE}` },
    troubleshooter: { reassurance: RECONNECT_REASSURANCE },
    signInFailure: 'Your Microsoft 365 sign-in has expired.',
  },
  'not-signed-in': {
    title: 'Sign in to start',
    explanation:
      'Sign in to Rezi Email Sync to start — your Microsoft 365 account is needed once, so that Rezi can file mail from your mailbox. Nothing has gone wrong.',
    nextStep: {
      action: 'reconnect',
      label: 'Sign in',
      hint: 'Sign in with your Microsoft 365 account and approve any permission requests. It only takes a moment.',
    },
    troubleshooter: { reassurance: 'Your mails are safe in Queue: they will be filed once you have signed in.' },
    signInFailure: 'Sign in to Rezi Email Sync to start — your Microsoft 365 account is needed once.',
  },
  'password-changed': {
    title: 'Your email password has changed',
    explanation: 'Has your email password changed recently? Rezi can’t sync after a password change until you reconnect with the new one.',
    nextStep: {
      action: 'reconnect',
      label: 'Reconnect account',
      hint: `Check you can sign in to your email outside Rezi with the new password, then reconnect. ${RECONNECT_REASSURANCE}`,
    },
    troubleshooter: {
      reassurance: RECONNECT_REASSURANCE,
      // The guide: confirm the user can log in outside Rezi first; if that fails, it's the password.
      nextStep: {
        action: 'sign-in-outside',
        label: 'Sign in to your email provider outside Rezi',
        hint: 'Check you can sign in to Outlook on the web (or Gmail) in your browser with your current password. If that fails, update your password with your email provider first. Then come back and reconnect.',
      },
      imapNextStep: {
        action: 'sign-in-outside',
        label: 'Sign in to your email provider outside Rezi',
        hint: 'Check you can sign in to your email (webmail or your usual mail app) with your current password. If that fails, update your password with your email provider first. Then reconnect here with the new password.',
      },
    },
    signInFailure: 'Microsoft 365 needs you to sign in again, usually because your password has changed.',
  },
  'consent-missing': {
    title: 'Permission is needed',
    explanation: 'Rezi needs your approval (or your IT administrator’s) to read and file your mail.',
    nextStep: {
      action: 'reconnect',
      label: 'Reconnect account',
      hint: 'Sign in again and approve the permission request. If it says an administrator must approve, ask your IT support.',
    },
    troubleshooter: { reassurance: RECONNECT_REASSURANCE },
    signInFailure: 'Rezi needs your permission (or your IT administrator’s) to use your mailbox.',
  },
  'session-stale': {
    title: 'A cached sign-in is out of date',
    explanation: 'A stored sign-in is stopping Rezi from reconnecting. Clearing it is safe: nothing in your mailbox or in Rezi is lost.',
    nextStep: { action: 'clear-cache', label: 'Clear cached sign-in', hint: 'We’ll clear the stored sign-in; then reconnect and try the sync again.' },
    troubleshooter: { reassurance: `Clearing the cached sign-in is safe: nothing in your mailbox or in Rezi is lost. ${RECONNECT_REASSURANCE}` },
    signInFailure: 'The saved sign-in in Outlook is out of date.',
  },
  'server-unreachable': {
    title: 'The mail server can’t be reached',
    explanation: 'Rezi couldn’t reach the server just now. Your mails are safe: anything waiting in Queue will be filed on the next sync.',
    nextStep: { action: 'retry', label: 'Try again', hint: 'Check your internet connection and try again in a minute or two.' },
    troubleshooter: { reassurance: QUEUE_SAFE },
    signInFailure: 'The Microsoft sign-in service could not be reached.',
  },
  'certificate-invalid': {
    title: 'The mail server’s certificate isn’t trusted',
    explanation: 'The server presented a security certificate that couldn’t be verified, so Rezi didn’t send your password to it.',
    nextStep: { action: 'contact-it', label: 'Contact IT support', hint: 'Ask your IT support to check the branch’s IMAP server certificate.' },
    troubleshooter: { reassurance: SORTED_OUT },
    signInFailure: 'The sign-in connection was not secure.',
  },
  throttled: {
    title: 'Microsoft asked us to slow down',
    explanation:
      'Your mailbox received a lot of requests at once, so Microsoft paused us briefly. Nothing is lost: mails waiting in Queue will be filed shortly.',
    nextStep: { action: 'retry-later', label: 'Try again shortly', hint: 'Wait a minute, then sync again.' },
    troubleshooter: {
      reassurance: QUEUE_SAFE,
      nextStep: { action: 'retry-later', label: 'Wait and try again', hint: 'Microsoft asked Rezi to slow down. Wait a minute or two, then sync again.' },
    },
    signInFailure: 'Microsoft sign-in is busy; try again shortly.',
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
    troubleshooter: { reassurance: 'This isn’t anything on your side. Your mails are safe: anything in Queue will be filed once the service is back.' },
    signInFailure: 'Microsoft sign-in appears to be having problems.',
  },
  'shared-mailbox-denied': {
    title: 'You don’t have access to this shared mailbox',
    explanation:
      'Microsoft 365 says your account has no permission to file mail in this shared mailbox, so nothing was filed or moved. Your own mailbox is not affected.',
    nextStep: {
      action: 'contact-it',
      label: 'Ask for access',
      hint: 'Ask the mailbox’s owner or your IT support to give you Full Access (or Editor permission on its folders), then sync again. It can take up to an hour to apply.',
    },
    troubleshooter: { reassurance: SORTED_OUT },
  },
  'shared-mailbox-separate-account': {
    title: 'This shared mailbox is open as a separate account',
    explanation:
      'Outlook has this shared mailbox signed in as an account of its own, so it cannot tell Rezi the mailbox is shared and Rezi cannot file from it. Nothing was filed or moved.',
    nextStep: {
      action: 'contact-it',
      label: 'Open it as a shared mailbox',
      hint: 'Remove the shared mailbox’s own account from Outlook and open it through your account instead (it usually appears by itself after Outlook restarts; your IT support can help). Never sign in to a shared mailbox with its own password.',
    },
    troubleshooter: { reassurance: SORTED_OUT },
  },
  'not-configured': {
    title: 'Your branch is not set up for email sync yet',
    explanation: 'Your branch is not set up for email sync yet — ask your IT support to send the branch’s IMAP details.',
    nextStep: { action: 'contact-it', label: 'Contact IT support', hint: 'Once support confirms your branch is set up, you can continue.' },
    troubleshooter: { reassurance: SORTED_OUT },
    signInFailure: 'The sign-in window could not be opened.',
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
    troubleshooter: { reassurance: SORTED_OUT },
    signInFailure: 'The mail server settings have changed; sign in again.',
  },
  'no-matching-group': {
    title: 'No matching group in Rezi',
    explanation: 'Neither the To nor the From address is linked to a group card in Rezi, so no timeline event was added.',
    nextStep: {
      action: 'add-contact',
      label: 'Link the address in Rezi',
      hint: 'Add the address to the right contact on a group card, then move the mail back into Queue and sync again.',
    },
    troubleshooter: { reassurance: SORTED_OUT },
  },
  'invalid-message': {
    title: 'This mail can’t be filed',
    explanation: 'The mail is missing something Rezi needs to file it (such as a sender or a message id) — drafts often are.',
    nextStep: { action: 'none', label: 'No action needed', hint: 'Send the mail first, or file it by hand in Rezi.' },
    troubleshooter: { reassurance: SORTED_OUT },
  },
  'internal-mail': {
    title: 'Internal mail is not filed',
    explanation:
      'Everyone else on this mail works at your agency (a colleague, or an address on your agency’s own domains), so it was not added to a timeline, even where a colleague is also a contact on a card.',
    nextStep: {
      action: 'none',
      label: 'No action needed',
      hint: 'If it does belong on a group’s timeline, use Fix to file it onto the group you choose.',
    },
    troubleshooter: { reassurance: SORTED_OUT },
  },
  'never-file': {
    title: 'On the never-file list',
    explanation: 'An address on this mail, or its domain, is on your branch’s never-file list, so Rezi does not add it to any timeline.',
    nextStep: {
      action: 'none',
      label: 'No action needed',
      hint: 'If mail from this address should be filed, ask your branch administrator to take it off the never-file list.',
    },
    troubleshooter: { reassurance: SORTED_OUT },
  },
  'message-gone': {
    title: 'The mail was moved elsewhere',
    explanation: 'The mail was moved or deleted while the sync was running.',
    nextStep: { action: 'none', label: 'No action needed', hint: 'If you still want it filed, move it into Queue and sync again.' },
    troubleshooter: { reassurance: SORTED_OUT },
  },
  'fixing-unsupported': {
    title: 'Fixing from Outlook is not available yet',
    explanation:
      'Your agency’s Rezi files mail from Outlook but does not yet let Outlook file a mail onto a card you choose, remember an address, or undo a filing. Nothing was changed.',
    nextStep: {
      action: 'none',
      label: 'Do it in Rezi',
      hint: 'Add or remove the timeline entry on the group card in Rezi itself; your IT support can ask Rezi when fixing from Outlook will be available.',
    },
    troubleshooter: { reassurance: SORTED_OUT },
  },
  cancelled: {
    title: 'Sync cancelled',
    explanation: 'The sync stopped before it finished. Nothing is lost: mails still in Queue will be filed on the next sync.',
    nextStep: { action: 'retry', label: 'Sync again', hint: 'Start the sync again whenever you’re ready.' },
    troubleshooter: { reassurance: SORTED_OUT },
    signInFailure: 'Sign-in was cancelled or the sign-in window was closed.',
  },
  unknown: {
    title: 'Something went wrong',
    explanation: 'The sync hit an unexpected problem. Your mails are safe in Queue.',
    nextStep: { action: 'escalate', label: 'Try again, then contact support', hint: 'Try again; if it keeps happening, our technical team can review it.' },
    troubleshooter: { reassurance: SORTED_OUT },
    signInFailure: 'Sign-in failed for an unexpected reason.',
  },
};

export function explain(code: CauseCode): Explanation {
  return EXPLANATIONS[code] ?? EXPLANATIONS.unknown;
}

/**
 * The pane's side of the sign-in window opened through the Office dialog API (auth-dialog.html is the
 * page's side): opening it, reading its one answer, and the tokens it hands over on hosts where the
 * dialog has storage of its own.
 */
import type { AccountInfo, AuthenticationResult, IPublicClientApplication } from '@azure/msal-browser';
import { type CauseCode, SyncError } from '../core/causes';
import { mapAuthError } from './auth-errors';
import type { DialogAccount, DialogMessage } from './auth-dialog';

/**
 * Office dialog API codes (Microsoft Learn: "Handle errors and events in the Office dialog box"):
 * 12002/12003 come as DialogEventReceived when the page cannot be loaded or is not HTTPS; 12004/12005/
 * 12007/12009/12011 from displayDialogAsync itself; 12006 when the user closes the dialog.
 */
const DIALOG_ERRORS: Record<number, { code: CauseCode; message: string }> = {
  12002: {
    code: 'not-configured',
    message: 'The sign-in page could not be loaded. Ask IT support to check that auth-dialog.html is deployed with the add-in.',
  },
  12003: { code: 'not-configured', message: 'The sign-in page was sent over an insecure connection (HTTP). Ask IT support to serve the add-in over HTTPS.' },
  12004: { code: 'not-configured', message: 'Outlook does not trust the sign-in page’s address. Ask IT support to serve it from the add-in’s own domain.' },
  12005: { code: 'not-configured', message: 'The sign-in page’s address uses HTTP; Outlook requires HTTPS. Ask IT support to fix the add-in’s address.' },
  12006: { code: 'cancelled', message: 'The sign-in window was closed before sign-in finished.' },
  12007: { code: 'cancelled', message: 'A sign-in window is already open. Finish signing in there, or close it and choose Reconnect.' },
  12009: {
    code: 'cancelled',
    message: 'Outlook did not open the sign-in window because it was blocked or dismissed. Allow the window, then choose Reconnect.',
  },
  12011: { code: 'cancelled', message: 'Your browser blocked the sign-in window. Allow pop-ups for Outlook, then choose Reconnect.' },
};

export function dialogError(officeCode: number): SyncError {
  const known = DIALOG_ERRORS[officeCode];
  const providerCode = String(officeCode);
  if (!known) return new SyncError('unknown', `The sign-in window could not be used (Office error ${providerCode}).`, { providerCode });
  return new SyncError(known.code, known.message, { providerCode });
}

/** What the sign-in dialog reported: the account it signed in, and (for hosts where it has its own storage) a token. */
export interface DialogSignIn {
  account: DialogAccount;
  accessToken?: string;
  scopes?: string[];
  /** When the handed-over token lapses (epoch ms); absent: treated as lapsing after an hour. */
  expiresOn?: number;
}

const unreadable = () => new SyncError('unknown', 'The sign-in window sent an answer that could not be read.');

/**
 * One DialogMessageReceived / DialogEventReceived argument → the signed-in account or a SyncError;
 * undefined for a message that is not ours (another origin), which is ignored.
 */
export function dialogOutcome(arg: { message: string; origin?: string } | { error: number }, expectedOrigin?: string): DialogSignIn | SyncError | undefined {
  if ('error' in arg) return dialogError(arg.error);
  if (expectedOrigin && arg.origin && arg.origin !== expectedOrigin) return undefined;
  let m: DialogMessage;
  try {
    m = JSON.parse(arg.message) as DialogMessage;
  } catch {
    return unreadable();
  }
  if (m?.status === 'success' && typeof m.account?.username === 'string' && typeof m.account.homeAccountId === 'string') {
    const expiresOn = typeof m.expiresOn === 'string' ? Date.parse(m.expiresOn) : NaN;
    return {
      account: m.account,
      ...(typeof m.accessToken === 'string' ? { accessToken: m.accessToken, scopes: m.scopes ?? [] } : {}),
      ...(Number.isFinite(expiresOn) ? { expiresOn } : {}),
    };
  }
  if (m?.status === 'error') return mapAuthError({ errorCode: m.errorCode, errorMessage: m.errorMessage, errorNo: m.errorNo, correlationId: m.correlationId });
  return unreadable();
}

/** Opens the sign-in dialog and settles with its first outcome; the dialog is closed either way. */
export function signInWithDialog(office: typeof Office, url: string, expectedOrigin?: string): Promise<DialogSignIn> {
  return new Promise((resolve, reject) => {
    office.context.ui.displayDialogAsync(url, { height: 60, width: 30, promptBeforeOpen: false }, (r) => {
      if (r.status === (office.AsyncResultStatus?.Failed ?? 'failed')) return reject(dialogError(r.error?.code));
      const dialog = r.value;
      let settled = false;
      const settle = (outcome: DialogSignIn | SyncError | undefined) => {
        if (!outcome || settled) return;
        settled = true;
        try {
          dialog.close();
        } catch {
          // already closed by the user (12006)
        }
        if (outcome instanceof SyncError) reject(outcome);
        else resolve(outcome);
      };
      dialog.addEventHandler(office.EventType.DialogMessageReceived, (arg) =>
        settle(dialogOutcome(arg as { message: string; origin?: string }, expectedOrigin)),
      );
      dialog.addEventHandler(office.EventType.DialogEventReceived, (arg) => settle(dialogOutcome(arg as { error: number })));
    });
  });
}

/** The dialog page's address with the scopes and login hint it is to sign in for. */
export function dialogUrl(configured: string | undefined, scopes: string[], hint: string | undefined): string {
  const base = configured ?? (typeof location !== 'undefined' ? new URL('auth-dialog.html', location.href).href : 'auth-dialog.html');
  const query = new URLSearchParams({ scopes: scopes.join(' '), ...(hint ? { login_hint: hint } : {}) });
  return `${base}${base.includes('?') ? '&' : '?'}${query}`;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** True when every requested scope is among the granted ones (Entra may answer with resource-qualified names). */
export function grants(granted: string[], requested: string[]): boolean {
  const g = granted.map((s) => s.toLowerCase());
  return requested.every((r) => {
    const want = r.toLowerCase();
    return g.some((s) => s === want || s.endsWith(`/${want}`) || want.endsWith(`/${s}`));
  });
}

/** A handed-over token is used until this long before it lapses. */
const EXPIRY_MARGIN_MS = 5 * 60_000;
const DEFAULT_DIALOG_TOKEN_MS = 60 * 60_000;

interface HandedOver {
  token: string;
  scopes: string[];
  expiresOn: number;
}

/**
 * Tokens the dialog handed over (hosts where the dialog has its own storage, so the pane's MSAL
 * cannot see its sign-in): kept for their lifetime, one per set of scopes.
 */
export function handedOverTokens(now: () => number) {
  const kept: HandedOver[] = [];
  return {
    for: (scopes: string[]): HandedOver | undefined => kept.find((t) => grants(t.scopes, scopes)),
    fresh: (t: HandedOver): boolean => t.expiresOn - EXPIRY_MARGIN_MS > now(),
    keep(signIn: DialogSignIn): void {
      if (!signIn.accessToken) return;
      const t = { token: signIn.accessToken, scopes: signIn.scopes ?? [], expiresOn: signIn.expiresOn ?? now() + DEFAULT_DIALOG_TOKEN_MS };
      const i = kept.findIndex((k) => grants(k.scopes, t.scopes) && grants(t.scopes, k.scopes));
      if (i >= 0) kept.splice(i, 1);
      kept.push(t);
    },
    clear: (): void => void (kept.length = 0),
  };
}

export type HandedOverTokens = ReturnType<typeof handedOverTokens>;

/**
 * MSAL tells the pane of the dialog's cache writes over a BroadcastChannel (account first, then its
 * tokens), and those messages may arrive after the dialog's own answer. Until they have, a silent
 * request finds no refresh token and falls back to a hidden iframe, which only works where third-party
 * cookies do. So wait a little for the shared cache, asking it without the iframe.
 */
const CACHE_SYNC_WAIT_MS = 1_500;
const CACHE_SYNC_POLL_MS = 50;
/** CacheLookupPolicy.AccessTokenAndRefreshToken: the cache and the refresh token, never an iframe. */
const CACHE_AND_REFRESH_TOKEN_ONLY = 2;

export async function fromSharedCache(
  pca: IPublicClientApplication,
  scopes: string[],
  homeAccountId: string,
  waitMs: number,
): Promise<AuthenticationResult | undefined> {
  const end = Date.now() + waitMs;
  for (;;) {
    const account = pca.getAllAccounts().find((a) => a.homeAccountId === homeAccountId);
    if (account) {
      try {
        return await pca.acquireTokenSilent({ scopes, account, cacheLookupPolicy: CACHE_AND_REFRESH_TOKEN_ONLY });
      } catch (e) {
        // Anything but "no tokens yet" is a real answer: let the usual path deal with it.
        if ((e as { errorCode?: string }).errorCode !== 'no_tokens_found') return undefined;
      }
    }
    if (Date.now() >= end) return undefined;
    await new Promise((r) => setTimeout(r, CACHE_SYNC_POLL_MS));
  }
}

/**
 * A sign-in through the dialog, then a token for `scopes`: from MSAL's cache (same origin, localStorage),
 * else the one the dialog sent. One dialog at a time: a host window may have only one (a second
 * call would fail with 12007).
 */
export function dialogTokens(deps: {
  office: typeof Office;
  pca: IPublicClientApplication;
  configuredUrl?: string;
  hint(): Promise<string | undefined>;
  use(account: AccountInfo): void;
  tokens: HandedOverTokens;
  remember(r: AuthenticationResult): string;
  /** How long to wait for the pane's cache to hear of the dialog's sign-in (tests shorten it). */
  cacheWaitMs?: number;
}): (scopes: string[]) => Promise<string> {
  let inFlight: Promise<DialogSignIn> | undefined;
  return async (scopes) => {
    const url = dialogUrl(deps.configuredUrl, scopes, await deps.hint());
    inFlight ??= signInWithDialog(deps.office, url, originOf(url)).finally(() => (inFlight = undefined));
    const signIn = await inFlight;
    deps.tokens.keep(signIn);
    const shared = await fromSharedCache(deps.pca, scopes, signIn.account.homeAccountId, deps.cacheWaitMs ?? CACHE_SYNC_WAIT_MS);
    if (shared) return deps.remember(shared);
    const account = deps.pca.getAllAccounts().find((a) => a.homeAccountId === signIn.account.homeAccountId) ?? (signIn.account as AccountInfo);
    deps.use(account);
    try {
      return deps.remember(await deps.pca.acquireTokenSilent({ scopes, account }));
    } catch (e) {
      // The dialog had its own storage: use the token it sent, if it covers these scopes.
      const kept = deps.tokens.for(scopes);
      if (kept) return kept.token;
      throw mapAuthError(e);
    }
  };
}

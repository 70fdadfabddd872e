/**
 * Sign-in with MSAL. Where Outlook supports nested app authentication (requirement set
 * NestedAppAuth 1.1) the pane gets tokens through the host's own sign-in, with no popup. Elsewhere a
 * standard PublicClientApplication is used, silent first (cached account, then ssoSilent with the
 * mailbox address as login hint), and a sign-in window only when interaction is needed.
 *
 * That window is opened through the Office dialog API (Office.context.ui.displayDialogAsync) with
 * auth-dialog.html, which signs in with loginRedirect and posts the account back with messageParent;
 * the pane then takes tokens silently from MSAL's cache (same origin, localStorage), or, where the host
 * gives the dialog storage of its own, uses the token the dialog sent for those scopes. Microsoft's
 * sign-in page will not run in the pane's iframe, and old desktop builds block window.open from
 * add-ins, so an MSAL popup is used only where Office.context.ui is missing. The dialog's redirect
 * URI (this page's folder + auth-dialog.html) must be registered as a SPA redirect URI, and the page
 * must be served from the pane's own domain (else the dialog fails with 12004).
 *
 * MSAL browser 5 completes popups and silent iframes only through a redirect bridge page that calls
 * broadcastResponseToMainFrame() (Microsoft Learn: "Set up the redirect bridge page in MSAL Browser",
 * "Migrate from MSAL Browser v4 to v5"): the standard application's redirect URI is redirect.html,
 * which must be registered as a SPA redirect URI. Without it ssoSilent ends in `timed_out`.
 *
 * The account is the mailbox's, chosen as Microsoft's NAA sample does (Office.auth.getAuthContext(),
 * then getAccount by username, tenant and object id), never "the first cached account": the cache is
 * shared by every mailbox open in this Outlook.
 */
import type { AccountInfo, AuthenticationResult, IPublicClientApplication, Configuration } from '@azure/msal-browser';
import { type CauseCode, SyncError } from '../core/causes';
import { mapAuthError } from './auth-errors';
import type { DialogAccount, DialogMessage } from './auth-dialog';

export interface AuthConfig {
  clientId: string;
  tenantId?: string;
  authority?: string;
  redirectUri?: string;
  /** The sign-in page for the Office dialog; default auth-dialog.html beside the task pane. */
  dialogUrl?: string;
  /** Now, for token lifetimes (tests). */
  now?: () => number;
}

export interface TokenOptions {
  /** A sign-in window may open when interaction is needed (the user pressed a button). */
  interactive?: boolean;
  /**
   * When a token the sign-in dialog handed over has lapsed, renew it through the dialog (a sync the
   * user started: where the dialog has its own storage, the pane has no other way to a new token).
   */
  renewThroughDialog?: boolean;
}

/** What clearCache could clear: under nested app authentication the host keeps its own sign-in. */
export interface ClearedSession {
  /** MSAL's own cache was cleared (false under NAA, where clearing is unsupported). */
  msalCacheCleared: boolean;
  /** Words for the user when something stays with Outlook. */
  note?: string;
}

export interface SignedIn {
  name: string;
  email: string;
}

export interface Auth {
  /** Whether tokens come through nested app authentication. */
  readonly nestedAppAuth: boolean;
  /** An access token for `scopes`: silently, or (interactive) with a sign-in window when needed. Throws SyncError. */
  getToken(scopes: string[], options?: TokenOptions): Promise<string>;
  account(): SignedIn | undefined;
  /** Forgets the account and its tokens in this pane (does not sign the user out of Office). */
  signOut(): Promise<void>;
  clearCache(): Promise<ClearedSession>;
}

export interface MsalFactories {
  createNestable(config: Configuration): Promise<IPublicClientApplication>;
  createStandard(config: Configuration): Promise<IPublicClientApplication>;
}

async function defaultFactories(): Promise<MsalFactories> {
  const msal = await import('@azure/msal-browser');
  return { createNestable: msal.createNestablePublicClientApplication, createStandard: msal.createStandardPublicClientApplication };
}

export function supportsNestedAppAuth(office: typeof Office | undefined = globalThis.Office): boolean {
  try {
    return Boolean(office?.context?.requirements?.isSetSupported('NestedAppAuth', '1.1'));
  } catch {
    return false;
  }
}

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
    return new SyncError('unknown', 'The sign-in window sent an answer that could not be read.');
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
  return new SyncError('unknown', 'The sign-in window sent an answer that could not be read.');
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

/** True when every requested scope is among the granted ones (Entra may answer with resource-qualified names). */
function grants(granted: string[], requested: string[]): boolean {
  const g = granted.map((s) => s.toLowerCase());
  return requested.every((r) => {
    const want = r.toLowerCase();
    return g.some((s) => s === want || s.endsWith(`/${want}`) || want.endsWith(`/${s}`));
  });
}

/**
 * Errors after which a sign-in window can help (not network failures, not a cancelled window). A
 * silent sign-in whose hidden window never answered (`timed_out`, `monitor_window_timeout`) is one:
 * a visible sign-in window may well complete where the hidden one could not.
 */
function interactionHelps(e: SyncError): boolean {
  return (
    e.code === 'consent-missing' ||
    e.code === 'authorisation-expired' ||
    e.code === 'password-changed' ||
    e.code === 'session-stale' ||
    isSilentWindowTimeout(e)
  );
}

function isSilentWindowTimeout(e: SyncError): boolean {
  return e.detail.providerCode === 'timed_out' || e.detail.providerCode === 'monitor_window_timeout';
}

/** MSAL's answer to clearCache/logout under nested app authentication (NestedAppAuthError.createUnsupportedError). */
function isUnsupported(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { errorCode?: string }).errorCode === 'unsupported_method';
}

/** How long Office.auth.getAuthContext() may take before the pane goes on without it. */
const AUTH_CONTEXT_WAIT_MS = 3000;

/** A handed-over token is used until this long before it lapses. */
const EXPIRY_MARGIN_MS = 5 * 60_000;
const DEFAULT_DIALOG_TOKEN_MS = 60 * 60_000;

function same(a: string | undefined, b: string | undefined): boolean {
  return Boolean(a && b && a.toLowerCase() === b.toLowerCase());
}

export async function createAuth(config: AuthConfig, deps: { office?: typeof Office; factories?: MsalFactories } = {}): Promise<Auth> {
  const office = deps.office ?? globalThis.Office;
  const now = config.now ?? Date.now;
  const factories = deps.factories ?? (await defaultFactories());
  const nestedAppAuth = supportsNestedAppAuth(office);
  const authority = config.authority ?? `https://login.microsoftonline.com/${config.tenantId ?? 'common'}`;
  const origin = typeof location !== 'undefined' ? location.origin : '';
  const msalConfig: Configuration = {
    // The redirect bridge page (redirect.html) completes ssoSilent's iframe and popups in MSAL 5.
    auth: { clientId: config.clientId, authority, ...(nestedAppAuth ? {} : { redirectUri: config.redirectUri ?? `${origin}/redirect.html` }) },
    cache: { cacheLocation: 'localStorage' },
  };
  let pca: IPublicClientApplication;
  try {
    pca = nestedAppAuth ? await factories.createNestable(msalConfig) : await factories.createStandard(msalConfig);
  } catch (e) {
    throw mapAuthError(e);
  }
  /** The mailbox the pane is in: its owner's address is the login hint and the account to match. */
  const loginHint = (() => {
    try {
      return office?.context?.mailbox?.userProfile?.emailAddress || undefined;
    } catch {
      return undefined;
    }
  })();

  /**
   * Who Outlook says is signed in to this mailbox (Microsoft's NAA sample: Office.auth.getAuthContext,
   * IdentityAPI 1.3), else undefined (older hosts, or a host that refuses).
   */
  const authContext = async (): Promise<Office.AuthContext | undefined> => {
    try {
      const get = office?.auth?.getAuthContext;
      if (typeof get !== 'function') return undefined;
      // A host that never answers must not hold up sign-in: without the context, the mailbox's address decides.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), AUTH_CONTEXT_WAIT_MS)));
      try {
        return await Promise.race([get.call(office.auth), late]);
      } finally {
        clearTimeout(timer);
      }
    } catch {
      return undefined;
    }
  };
  /** The cached account of this mailbox, or null: never another mailbox's. */
  const mailboxAccount = async (): Promise<AccountInfo | null> => {
    const ctx = await authContext();
    if (ctx?.userPrincipalName) {
      const found = pca.getAccount({ username: ctx.userPrincipalName, tenantId: ctx.tenantId, localAccountId: ctx.userObjectId });
      if (found) return found;
    }
    if (!loginHint) return null;
    return pca.getAllAccounts().find((a) => same(a.username, loginHint)) ?? null;
  };
  const accountFromContext = (ctx: Office.AuthContext | undefined): AccountInfo | undefined =>
    ctx?.userPrincipalName && ctx.userObjectId && ctx.tenantId
      ? {
          homeAccountId: `${ctx.userObjectId}.${ctx.tenantId}`,
          environment: 'login.microsoftonline.com',
          tenantId: ctx.tenantId,
          localAccountId: ctx.userObjectId,
          username: ctx.userPrincipalName,
        }
      : undefined;
  const hintFor = async (): Promise<string | undefined> => (await authContext())?.userPrincipalName || loginHint;

  let current: AccountInfo | null = await mailboxAccount();
  const remember = (r: AuthenticationResult) => {
    if (r.account) {
      current = r.account;
      pca.setActiveAccount(r.account);
    }
    return r.accessToken;
  };

  /**
   * Tokens the dialog handed over (hosts where the dialog has its own storage, so the pane's MSAL
   * cannot see its sign-in): kept for their lifetime, renewed through the dialog when they lapse.
   */
  const handedOver: { token: string; scopes: string[]; expiresOn: number }[] = [];
  const handedOverFor = (scopes: string[]) => handedOver.find((t) => grants(t.scopes, scopes));
  const fresh = (t: { expiresOn: number }) => t.expiresOn - EXPIRY_MARGIN_MS > now();

  const dialogUrl = (scopes: string[], hint: string | undefined): string => {
    const base = config.dialogUrl ?? (typeof location !== 'undefined' ? new URL('auth-dialog.html', location.href).href : 'auth-dialog.html');
    const query = new URLSearchParams({ scopes: scopes.join(' '), ...(hint ? { login_hint: hint } : {}) });
    return `${base}${base.includes('?') ? '&' : '?'}${query}`;
  };
  const originOf = (url: string): string | undefined => {
    try {
      return new URL(url).origin;
    } catch {
      return undefined;
    }
  };
  // One dialog at a time: a host window may have only one (a second call would fail with 12007).
  let dialogInFlight: Promise<DialogSignIn> | undefined;
  const viaDialog = async (scopes: string[]): Promise<string> => {
    const url = dialogUrl(scopes, await hintFor());
    dialogInFlight ??= signInWithDialog(office!, url, originOf(url)).finally(() => (dialogInFlight = undefined));
    const signIn = await dialogInFlight;
    const account = pca.getAllAccounts().find((a) => a.homeAccountId === signIn.account.homeAccountId) ?? (signIn.account as AccountInfo);
    current = account;
    pca.setActiveAccount(account);
    if (signIn.accessToken) {
      const kept = { token: signIn.accessToken, scopes: signIn.scopes ?? [], expiresOn: signIn.expiresOn ?? now() + DEFAULT_DIALOG_TOKEN_MS };
      const i = handedOver.findIndex((t) => grants(t.scopes, kept.scopes) && grants(kept.scopes, t.scopes));
      if (i >= 0) handedOver.splice(i, 1);
      handedOver.push(kept);
    }
    try {
      return remember(await pca.acquireTokenSilent({ scopes, account }));
    } catch (e) {
      // The dialog had its own storage: use the token it sent, if it covers these scopes.
      const kept = handedOverFor(scopes);
      if (kept) return kept.token;
      throw mapAuthError(e);
    }
  };
  const hasDialogApi = (() => {
    try {
      return typeof office?.context?.ui?.displayDialogAsync === 'function';
    } catch {
      return false;
    }
  })();

  const silent = async (scopes: string[]): Promise<string> => {
    if (nestedAppAuth) {
      // Microsoft's NAA sample: the mailbox's account when MSAL knows it; else that user as Outlook
      // names them (the host answers for the account whose id it is asked for, not its last active one).
      current ??= await mailboxAccount();
      const account = current ?? accountFromContext(await authContext());
      const hint = account ? undefined : loginHint;
      return remember(await pca.acquireTokenSilent({ scopes, ...(account ? { account } : hint ? { loginHint: hint } : {}) }));
    }
    if (current) return remember(await pca.acquireTokenSilent({ scopes, account: current }));
    const hint = await hintFor();
    return remember(await pca.ssoSilent({ scopes, ...(hint ? { loginHint: hint } : {}) }));
  };

  const forget = () => {
    current = null;
    handedOver.length = 0;
    pca.setActiveAccount(null);
  };

  /** Clears MSAL's cache where MSAL can; under NAA that is the host's, and clearing is unsupported. */
  const clearMsal = async (): Promise<ClearedSession> => {
    forget();
    try {
      await pca.clearCache();
      return { msalCacheCleared: true };
    } catch (e) {
      if (!isUnsupported(e)) throw mapAuthError(e);
      return {
        msalCacheCleared: false,
        note: 'Rezi’s own saved sign-in was cleared. Outlook keeps your Microsoft 365 sign-in itself; to change account, sign out of Outlook.',
      };
    }
  };

  return {
    nestedAppAuth,
    async getToken(scopes, options = {}) {
      const kept = handedOverFor(scopes);
      if (kept && fresh(kept)) return kept.token;
      let lapsed = false;
      try {
        return await silent(scopes);
      } catch (e) {
        const mapped = mapAuthError(e);
        lapsed = Boolean(kept) && (options.renewThroughDialog ?? false);
        if (!lapsed && (!options.interactive || !interactionHelps(mapped))) throw mapped;
      }
      if (!nestedAppAuth && hasDialogApi) return viaDialog(scopes);
      try {
        return remember(await pca.acquireTokenPopup({ scopes, ...(loginHint ? { loginHint } : {}) }));
      } catch (e) {
        throw mapAuthError(e);
      }
    },
    account() {
      if (!current) return undefined;
      return { name: current.name ?? current.username, email: current.username };
    },
    async signOut() {
      await clearMsal();
    },
    clearCache: clearMsal,
  };
}

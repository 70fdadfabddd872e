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
}

export interface SignedIn {
  name: string;
  email: string;
}

export interface Auth {
  /** Whether tokens come through nested app authentication. */
  readonly nestedAppAuth: boolean;
  /** An access token for `scopes`: silently, or (interactive) with a sign-in window when needed. Throws SyncError. */
  getToken(scopes: string[], options?: { interactive?: boolean }): Promise<string>;
  account(): SignedIn | undefined;
  /** Forgets the account and its tokens in this pane (does not sign the user out of Office). */
  signOut(): Promise<void>;
  clearCache(): Promise<void>;
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
    return { account: m.account, ...(typeof m.accessToken === 'string' ? { accessToken: m.accessToken, scopes: m.scopes ?? [] } : {}) };
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

/** Errors after which a sign-in window can help (not network failures, not a cancelled window). */
function interactionHelps(e: SyncError): boolean {
  return e.code === 'consent-missing' || e.code === 'authorisation-expired' || e.code === 'password-changed' || e.code === 'session-stale';
}

export async function createAuth(config: AuthConfig, deps: { office?: typeof Office; factories?: MsalFactories } = {}): Promise<Auth> {
  const office = deps.office ?? globalThis.Office;
  const factories = deps.factories ?? (await defaultFactories());
  const nestedAppAuth = supportsNestedAppAuth(office);
  const authority = config.authority ?? `https://login.microsoftonline.com/${config.tenantId ?? 'common'}`;
  const origin = typeof location !== 'undefined' ? location.origin : '';
  const msalConfig: Configuration = {
    auth: { clientId: config.clientId, authority, ...(nestedAppAuth ? {} : { redirectUri: config.redirectUri ?? `${origin}/taskpane.html` }) },
    cache: { cacheLocation: 'localStorage' },
  };
  let pca: IPublicClientApplication;
  try {
    pca = nestedAppAuth ? await factories.createNestable(msalConfig) : await factories.createStandard(msalConfig);
  } catch (e) {
    throw mapAuthError(e);
  }
  const loginHint = (() => {
    try {
      return office?.context?.mailbox?.userProfile?.emailAddress || undefined;
    } catch {
      return undefined;
    }
  })();

  let current: AccountInfo | null = pca.getActiveAccount() ?? pca.getAllAccounts()[0] ?? null;
  const remember = (r: AuthenticationResult) => {
    if (r.account) {
      current = r.account;
      pca.setActiveAccount(r.account);
    }
    return r.accessToken;
  };

  const dialogUrl = (scopes: string[]): string => {
    const base = config.dialogUrl ?? (typeof location !== 'undefined' ? new URL('auth-dialog.html', location.href).href : 'auth-dialog.html');
    const query = new URLSearchParams({ scopes: scopes.join(' '), ...(loginHint ? { login_hint: loginHint } : {}) });
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
    const url = dialogUrl(scopes);
    dialogInFlight ??= signInWithDialog(office!, url, originOf(url)).finally(() => (dialogInFlight = undefined));
    const signIn = await dialogInFlight;
    const account = pca.getAllAccounts().find((a) => a.homeAccountId === signIn.account.homeAccountId) ?? (signIn.account as AccountInfo);
    current = account;
    pca.setActiveAccount(account);
    try {
      return remember(await pca.acquireTokenSilent({ scopes, account }));
    } catch (e) {
      // The dialog may have had its own storage: use the token it sent, if it covers these scopes.
      if (signIn.accessToken && grants(signIn.scopes ?? [], scopes)) return signIn.accessToken;
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
    if (current || nestedAppAuth) return remember(await pca.acquireTokenSilent({ scopes, ...(current ? { account: current } : {}) }));
    return remember(await pca.ssoSilent({ scopes, ...(loginHint ? { loginHint } : {}) }));
  };

  return {
    nestedAppAuth,
    async getToken(scopes, options = {}) {
      try {
        return await silent(scopes);
      } catch (e) {
        const mapped = mapAuthError(e);
        if (!options.interactive || !interactionHelps(mapped)) throw mapped;
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
      current = null;
      pca.setActiveAccount(null);
      await pca.clearCache().catch(() => undefined);
    },
    async clearCache() {
      current = null;
      pca.setActiveAccount(null);
      await pca.clearCache();
    },
  };
}

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
 * The account is the mailbox's (account-choice.ts), never "the first cached account".
 */
import type { AuthenticationResult, IPublicClientApplication, Configuration } from '@azure/msal-browser';
import { type SyncError, signInWindowHelps } from '../core/causes';
import { type AccountChoice, chooseAccount } from './account-choice';
import { mapAuthError } from './auth-errors';
import { type HandedOverTokens, dialogTokens, handedOverTokens } from './dialog-signin';
import { type MsalSettings, msalConfiguration } from './msal-config';
import { supportsNestedAppAuth } from './office-host';

// The dialog's answer, read where the sign-in tests have always found it.
export { dialogOutcome } from './dialog-signin';

export interface AuthConfig extends MsalSettings {
  redirectUri?: string;
  /** The sign-in page for the Office dialog; default auth-dialog.html beside the task pane. */
  dialogUrl?: string;
  /** Now, for token lifetimes (tests). */
  now?: () => number;
  /** How long, after the dialog answers, to wait for the pane's MSAL cache to hear of its sign-in. */
  dialogCacheWaitMs?: number;
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

/**
 * Errors after which a sign-in window can help (not network failures, not a cancelled window). A
 * silent sign-in whose hidden window never answered (`timed_out`, `monitor_window_timeout`) is one:
 * a visible sign-in window may well complete where the hidden one could not.
 */
function interactionHelps(e: SyncError): boolean {
  return signInWindowHelps(e.code) || isSilentWindowTimeout(e);
}

function isSilentWindowTimeout(e: SyncError): boolean {
  return e.detail.providerCode === 'timed_out' || e.detail.providerCode === 'monitor_window_timeout';
}

/** MSAL's answer to clearCache/logout under nested app authentication (NestedAppAuthError.createUnsupportedError). */
function isUnsupported(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { errorCode?: string }).errorCode === 'unsupported_method';
}

function hasDialogApi(office: typeof Office | undefined): boolean {
  try {
    return typeof office?.context?.ui?.displayDialogAsync === 'function';
  } catch {
    return false;
  }
}

/** The nested application where the host signs in; elsewhere the standard one, completing through the redirect bridge page. */
async function createPca(config: AuthConfig, nestedAppAuth: boolean, factories: MsalFactories): Promise<IPublicClientApplication> {
  const origin = typeof location !== 'undefined' ? location.origin : '';
  // The redirect bridge page (redirect.html) completes ssoSilent's iframe and popups in MSAL 5.
  const msalConfig = msalConfiguration(config, nestedAppAuth ? undefined : (config.redirectUri ?? `${origin}/redirect.html`));
  try {
    return nestedAppAuth ? await factories.createNestable(msalConfig) : await factories.createStandard(msalConfig);
  } catch (e) {
    throw mapAuthError(e);
  }
}

interface Session {
  office: typeof Office | undefined;
  nestedAppAuth: boolean;
  pca: IPublicClientApplication;
  accounts: AccountChoice;
  tokens: HandedOverTokens;
  remember(r: AuthenticationResult): string;
}

/** A token without any window: the mailbox's cached account, else Outlook's (NAA) or ssoSilent with the login hint. */
async function silentToken(s: Session, scopes: string[]): Promise<string> {
  if (s.nestedAppAuth) {
    // Microsoft's NAA sample: the mailbox's account when MSAL knows it; else that user as Outlook
    // names them (the host answers for the account whose id it is asked for, not its last active one).
    const account = (await s.accounts.ensure()) ?? (await s.accounts.fromContext());
    const hint = account ? undefined : s.accounts.loginHint;
    return s.remember(await s.pca.acquireTokenSilent({ scopes, ...(account ? { account } : hint ? { loginHint: hint } : {}) }));
  }
  const current = s.accounts.current();
  if (current) return s.remember(await s.pca.acquireTokenSilent({ scopes, account: current }));
  const hint = await s.accounts.hint();
  return s.remember(await s.pca.ssoSilent({ scopes, ...(hint ? { loginHint: hint } : {}) }));
}

/** Clears MSAL's cache where MSAL can; under NAA that is the host's, and clearing is unsupported. */
async function clearSession(s: Session): Promise<ClearedSession> {
  s.accounts.forget();
  s.tokens.clear();
  try {
    await s.pca.clearCache();
    return { msalCacheCleared: true };
  } catch (e) {
    if (!isUnsupported(e)) throw mapAuthError(e);
    return {
      msalCacheCleared: false,
      note: 'Rezi’s own saved sign-in was cleared. Outlook keeps your Microsoft 365 sign-in itself; to change account, sign out of Outlook.',
    };
  }
}

/** Handed-over token while fresh; else silently; else (when allowed and it can help) a sign-in window. */
function tokenGetter(s: Session, viaDialog: (scopes: string[]) => Promise<string>): Auth['getToken'] {
  const windowed = !s.nestedAppAuth && hasDialogApi(s.office);
  return async (scopes, options = {}) => {
    const kept = s.tokens.for(scopes);
    if (kept && s.tokens.fresh(kept)) return kept.token;
    try {
      return await silentToken(s, scopes);
    } catch (e) {
      const mapped = mapAuthError(e);
      const lapsed = Boolean(kept) && (options.renewThroughDialog ?? false);
      if (!lapsed && (!options.interactive || !interactionHelps(mapped))) throw mapped;
    }
    if (windowed) return viaDialog(scopes);
    try {
      const hint = s.accounts.loginHint;
      return s.remember(await s.pca.acquireTokenPopup({ scopes, ...(hint ? { loginHint: hint } : {}) }));
    } catch (e) {
      throw mapAuthError(e);
    }
  };
}

export async function createAuth(config: AuthConfig, deps: { office?: typeof Office; factories?: MsalFactories } = {}): Promise<Auth> {
  const office = deps.office ?? globalThis.Office;
  const nestedAppAuth = supportsNestedAppAuth(office);
  const pca = await createPca(config, nestedAppAuth, deps.factories ?? (await defaultFactories()));
  const accounts = await chooseAccount(office, pca);
  const remember = (r: AuthenticationResult) => {
    if (r.account) accounts.use(r.account);
    return r.accessToken;
  };
  const s: Session = { office, nestedAppAuth, pca, accounts, tokens: handedOverTokens(config.now ?? Date.now), remember };
  const viaDialog = dialogTokens({
    office: office!,
    pca,
    configuredUrl: config.dialogUrl,
    hint: accounts.hint,
    use: accounts.use,
    tokens: s.tokens,
    remember,
    cacheWaitMs: config.dialogCacheWaitMs,
  });
  return {
    nestedAppAuth,
    getToken: tokenGetter(s, viaDialog),
    account() {
      const current = accounts.current();
      return current ? { name: current.name ?? current.username, email: current.username } : undefined;
    },
    async signOut() {
      await clearSession(s);
    },
    clearCache: () => clearSession(s),
  };
}

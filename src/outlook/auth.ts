/**
 * Sign-in with MSAL. Where Outlook supports nested app authentication (requirement set
 * NestedAppAuth 1.1) the pane gets tokens through the host's own sign-in, with no popup. Elsewhere a
 * standard PublicClientApplication is used, silent first (cached account, then ssoSilent with the
 * mailbox address as login hint) and a popup (acquireTokenPopup) only when interaction is needed.
 *
 * Limitation, stated honestly: the fallback uses an MSAL popup opened from the task pane, not the
 * Office dialog API. Outlook on the web and the new Outlook allow it; very old desktop builds that
 * block window.open from add-ins will show "cancelled" (popup_window_error) and the troubleshooter
 * asks the user to update Outlook. The popup's redirect URI (default: this page's origin +
 * /taskpane.html) must be registered as a SPA redirect URI on the app registration.
 */
import type { AccountInfo, AuthenticationResult, IPublicClientApplication, Configuration } from '@azure/msal-browser';
import { SyncError } from '../core/causes';
import { mapAuthError } from './auth-errors';

export interface AuthConfig {
  clientId: string;
  tenantId?: string;
  authority?: string;
  redirectUri?: string;
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

/**
 * The sign-in page opened through the Office dialog API (auth-dialog.html) on hosts without nested app
 * authentication. Microsoft's sign-in page refuses to run inside the task pane's iframe/webview and old
 * desktop hosts block window.open from add-ins, so the sign-in runs here, in a separate window that
 * Office opens (Microsoft Learn: "Authenticate and authorize with the Office dialog API").
 *
 * On load: a standard MSAL application with the pane's settings (msal-config.ts, with this page's URL
 * as redirect URI) finishes a redirect if there is one; otherwise it starts loginRedirect with
 * the scopes from the query string. The outcome goes to the pane with Office.context.ui.messageParent:
 * the account (the pane then takes tokens silently from the shared MSAL cache) and, because some hosts
 * give the dialog its own storage, the access token for the requested scopes. Errors carry MSAL's code
 * and the first line of its message (which holds the AADSTS code), never a token.
 *
 * The pane (dialog-signin.ts) only imports types from here: importing this module runs the page when Office is
 * present.
 */
import type { AuthenticationResult, Configuration } from '@azure/msal-browser';
import { addinConfig } from './config';
import { msalConfiguration } from './msal-config';

export interface DialogAccount {
  homeAccountId: string;
  environment: string;
  tenantId: string;
  localAccountId: string;
  username: string;
  name?: string;
}

export type DialogMessage =
  | { status: 'success'; account: DialogAccount; accessToken?: string; scopes?: string[]; expiresOn?: string }
  | { status: 'error'; errorCode: string; errorMessage: string; errorNo?: string; correlationId?: string };

/** Query parameters the pane passes to the dialog page. */
export const DIALOG_PARAMS = { scopes: 'scopes', loginHint: 'login_hint' } as const;

/** The message for a finished sign-in. */
export function successMessage(result: AuthenticationResult): DialogMessage {
  const a = result.account;
  if (!a) return { status: 'error', errorCode: 'no_account_error', errorMessage: 'The sign-in finished without an account.' };
  const account: DialogAccount = {
    homeAccountId: a.homeAccountId,
    environment: a.environment,
    tenantId: a.tenantId,
    localAccountId: a.localAccountId,
    username: a.username,
    ...(a.name ? { name: a.name } : {}),
  };
  // The token's lifetime goes with it: the pane keeps it until then (the dialog may have its own storage).
  const expiresOn = result.expiresOn instanceof Date && !Number.isNaN(result.expiresOn.getTime()) ? result.expiresOn.toISOString() : undefined;
  return {
    status: 'success',
    account,
    ...(result.accessToken ? { accessToken: result.accessToken, scopes: result.scopes, ...(expiresOn ? { expiresOn } : {}) } : {}),
  };
}

/**
 * The message for a failed sign-in: MSAL's error code, Entra's AADSTS number (errorNo), the first line
 * of the message and the correlation id for support. Never a token.
 */
export function errorMessage(error: unknown): DialogMessage {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as Record<string, unknown>;
  const text = (k: string) => (typeof e[k] === 'string' && e[k] ? (e[k] as string) : undefined);
  const errorCode = text('errorCode') ?? 'unknown_error';
  const errorNo = e.errorNo !== undefined && /^\d+$/.test(String(e.errorNo)) ? String(e.errorNo) : undefined;
  let said = (text('errorMessage') ?? text('message') ?? '').split(/\r?\n/)[0].trim().slice(0, 300);
  if (errorNo && !said.includes(`AADSTS${errorNo}`)) said = `AADSTS${errorNo}: ${said}`.trim();
  const correlationId = text('correlationId');
  return { status: 'error', errorCode, errorMessage: said, ...(errorNo ? { errorNo } : {}), ...(correlationId ? { correlationId } : {}) };
}

interface PageDeps {
  office: typeof Office;
  location: Pick<Location, 'origin' | 'pathname' | 'search'>;
  createStandard(config: Configuration): Promise<import('@azure/msal-browser').IPublicClientApplication>;
}

/** Runs the dialog page: finish or start the redirect sign-in, then tell the pane. */
export async function runAuthDialog(deps: PageDeps): Promise<void> {
  const send = (m: DialogMessage) => deps.office.context.ui.messageParent(JSON.stringify(m));
  try {
    // The pane's settings and MSAL configuration, with this page as the redirect URI.
    const pca = await deps.createStandard(msalConfiguration(addinConfig(), `${deps.location.origin}${deps.location.pathname}`));
    const result = await pca.handleRedirectPromise();
    if (result) return send(successMessage(result));
    const query = new URLSearchParams(deps.location.search);
    const scopes = (query.get(DIALOG_PARAMS.scopes) ?? '').split(' ').filter(Boolean);
    const loginHint = query.get(DIALOG_PARAMS.loginHint) ?? undefined;
    await pca.loginRedirect({ scopes, ...(loginHint ? { loginHint } : {}) });
  } catch (e) {
    send(errorMessage(e));
  }
}

if (typeof window !== 'undefined' && typeof Office !== 'undefined' && typeof Office.onReady === 'function') {
  void Office.onReady(async () => {
    const msal = await import('@azure/msal-browser');
    await runAuthDialog({ office: Office, location: window.location, createStandard: msal.createStandardPublicClientApplication });
  });
}

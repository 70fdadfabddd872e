/**
 * MSAL's settings, written once for the task pane's application (nested or standard) and the sign-in
 * dialog's: the same client, the same authority and the same localStorage cache, so a sign-in in the
 * dialog is one the pane can take tokens from silently. Microsoft's NAA sample has the same shape: one
 * MSAL configuration module imported by the pane's auth and by its fallback dialog page.
 */
import type { Configuration } from '@azure/msal-browser';

export interface MsalSettings {
  clientId: string;
  tenantId?: string;
  authority?: string;
}

/** The Entra authority: the one configured, else the tenant's, else `common`. */
export function authorityOf(s: MsalSettings): string {
  return s.authority ?? `https://login.microsoftonline.com/${s.tenantId ?? 'common'}`;
}

/** MSAL's configuration; `redirectUri` is left out under nested app authentication, where the host signs in. */
export function msalConfiguration(s: MsalSettings, redirectUri?: string): Configuration {
  return {
    auth: { clientId: s.clientId, authority: authorityOf(s), ...(redirectUri ? { redirectUri } : {}) },
    cache: { cacheLocation: 'localStorage' },
  };
}

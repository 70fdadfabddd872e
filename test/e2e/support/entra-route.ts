/**
 * Puts the Entra ID stand-in (dev/entra-standin.ts) behind https://login.microsoftonline.com for every
 * page, popup and frame of a browser context, so the pane's real MSAL code talks to it unmodified.
 */
import type { BrowserContext } from 'playwright-core';
import { ENTRA_ORIGIN, type EntraStandin } from '../../../dev/entra-standin';

export interface EntraRouteOptions {
  /**
   * false: Entra's session cookie does not reach Entra from inside a frame (the pane's hidden ssoSilent
   * iframe), as where the browser blocks third-party cookies or partitions the pane (Microsoft Learn:
   * "Handle ITP in Safari and other browsers where third-party cookies are blocked",
   * https://learn.microsoft.com/entra/identity-platform/reference-third-party-cookies-spas). Default true.
   */
  thirdPartyCookies?: boolean;
}

export async function routeEntra(context: BrowserContext, entra: EntraStandin, options: EntraRouteOptions = {}): Promise<void> {
  await context.route(`${ENTRA_ORIGIN}/**`, async (route) => {
    const r = route.request();
    const headers = await r.allHeaders();
    const framed = (() => {
      try {
        return r.frame().parentFrame() !== null;
      } catch {
        return false; // a request with no frame (a service worker's): not a frame's
      }
    })();
    if (options.thirdPartyCookies === false && framed) delete headers.cookie;
    const res = await entra.handle({ method: r.method(), url: r.url(), headers, body: r.postData() ?? undefined });
    await route.fulfill({ status: res.status, headers: res.headers, body: res.body });
  });
}

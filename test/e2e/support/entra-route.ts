/**
 * Puts the Entra ID stand-in (dev/entra-standin.ts) behind https://login.microsoftonline.com for every
 * page, popup and frame of a browser context, so the pane's real MSAL code talks to it unmodified.
 */
import type { BrowserContext } from 'playwright-core';
import { ENTRA_ORIGIN, type EntraStandin } from '../../../dev/entra-standin';

export async function routeEntra(context: BrowserContext, entra: EntraStandin): Promise<void> {
  await context.route(`${ENTRA_ORIGIN}/**`, async (route) => {
    const r = route.request();
    const res = await entra.handle({ method: r.method(), url: r.url(), headers: await r.allHeaders(), body: r.postData() ?? undefined });
    await route.fulfill({ status: res.status, headers: res.headers, body: res.body });
  });
}

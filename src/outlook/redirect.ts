/**
 * The redirect bridge page (redirect.html), the standard MSAL application's redirect URI. MSAL
 * browser 5 completes ssoSilent's hidden iframe and sign-in popups only when the page Entra redirects
 * to hands the answer back to the window that asked, with broadcastResponseToMainFrame() (Microsoft
 * Learn: "Set up the redirect bridge page in MSAL Browser"; "Migrate from MSAL Browser v4 to v5").
 * Without it they end in `timed_out`. The page calls no other MSAL API, must not be served with a
 * Cross-Origin-Opener-Policy header, and needs no Office.js.
 */
import { broadcastResponseToMainFrame } from '@azure/msal-browser/redirect-bridge';

if (typeof window !== 'undefined') {
  broadcastResponseToMainFrame().catch(() => {
    // Opened without an answer in the URL (someone browsed here): nothing to hand back.
    const p = document.querySelector('p');
    if (p) p.textContent = 'This page finishes Microsoft 365 sign-in for Rezi Email Sync. You can close it.';
  });
}

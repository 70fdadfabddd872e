// Rewrites the development manifest's https://localhost:3000 URLs to the production base URL.
// Used by webpack.config.js (CopyWebpackPlugin transform) for production builds; unit-tested in test/manifest.
'use strict';

const DEV_ORIGIN = 'https://localhost:3000';
const DEFAULT_BASE_URL = 'https://rezi-sync.example.com/';

/** Checks and normalises ADDIN_BASE_URL: an https URL ending in '/'. Throws with a clear message otherwise. */
function productionBaseUrl(raw = DEFAULT_BASE_URL) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`ADDIN_BASE_URL "${raw}" is not a URL; expected something like ${DEFAULT_BASE_URL}`);
  }
  if (url.protocol !== 'https:') throw new Error(`ADDIN_BASE_URL "${raw}" must use https (Office only loads add-ins over https)`);
  if (!raw.endsWith('/')) throw new Error(`ADDIN_BASE_URL "${raw}" must end with "/"`);
  if (url.search || url.hash) throw new Error(`ADDIN_BASE_URL "${raw}" must not have a query or fragment`);
  return url.href;
}

/**
 * Returns the manifest with every dev URL moved to `baseUrl`:
 * https://localhost:3000/x → <baseUrl>x, the bare origin (AppDomain) → the production origin,
 * and the SSO resource api://localhost:3000/<id> → api://<production host + path><id>.
 */
function rewriteManifestUrls(xml, baseUrl = DEFAULT_BASE_URL) {
  const base = productionBaseUrl(baseUrl);
  const url = new URL(base);
  const apiBase = `api://${url.host}${url.pathname}`;
  return xml
    .split(`${DEV_ORIGIN}/`)
    .join(base)
    .split(`api://localhost:3000/`)
    .join(apiBase)
    .replace(/<AppDomain>\s*https:\/\/localhost:3000\s*<\/AppDomain>/g, `<AppDomain>${url.origin}</AppDomain>`);
}

const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Puts the Entra app registration's client ID (REZI_CLIENT_ID) into <WebApplicationInfo> in place of the placeholder. */
function setWebApplicationId(xml, clientId) {
  if (!clientId) return xml;
  if (!GUID.test(clientId)) throw new Error(`REZI_CLIENT_ID "${clientId}" must be the app registration's client ID, a GUID`);
  return xml.split(PLACEHOLDER_APP_ID).join(clientId.toLowerCase());
}

module.exports = { DEV_ORIGIN, DEFAULT_BASE_URL, PLACEHOLDER_APP_ID, productionBaseUrl, rewriteManifestUrls, setWebApplicationId };

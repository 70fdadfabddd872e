/**
 * Build-time configuration. webpack's DefinePlugin replaces each `process.env.REZI_*` with a literal,
 * so these reads must stay spelled out in full (no destructuring, no dynamic keys).
 */
export interface OutlookConfig {
  clientId: string;
  tenantId?: string;
  authority?: string;
  /** The adapter's origin, e.g. https://rezi-sync.example.co.uk */
  adapterUrl: string;
  /** The adapter's delegated scope, e.g. api://rezi-sync.example.co.uk/<client id>/access_as_user */
  adapterScope: string;
  /** Microsoft Graph base URL including the version. */
  graphBaseUrl: string;
}

export const GRAPH_SCOPES = ['Mail.ReadWrite', 'User.Read'];
/** A shared mailbox or another person's delegated folders: Graph's /users/{id} mail needs Mail.ReadWrite.Shared as well. */
export const SHARED_GRAPH_SCOPES = [...GRAPH_SCOPES, 'Mail.ReadWrite.Shared'];

declare const process: { env: Record<string, string | undefined> };
declare global {
  interface Window {
    /** Runtime configuration a hosting page may set before the bundles run (the e2e host stand-in does). */
    __REZI_CONFIG__?: Partial<Record<keyof OutlookConfig, string>>;
  }
}

function read(value: string | undefined): string | undefined {
  return value && value.trim() ? value.trim() : undefined;
}

/** Reads one variable; DefinePlugin turns the whole `process.env.X` into a literal, else Node's env, else undefined. */
function env(get: () => string | undefined): string | undefined {
  try {
    return read(get());
  } catch {
    return undefined; // a browser build without DefinePlugin: `process` does not exist
  }
}

export function configFromEnv(): OutlookConfig {
  return {
    clientId: env(() => process.env.REZI_CLIENT_ID) ?? '',
    tenantId: env(() => process.env.REZI_TENANT_ID),
    authority: env(() => process.env.REZI_AUTHORITY),
    adapterUrl: env(() => process.env.REZI_ADAPTER_URL) ?? '',
    adapterScope: env(() => process.env.REZI_ADAPTER_SCOPE) ?? '',
    graphBaseUrl: env(() => process.env.REZI_GRAPH_URL) ?? 'https://graph.microsoft.com/v1.0',
  };
}

/**
 * Runtime configuration a hosting page may set before the bundles run (the e2e host stand-in does),
 * read the same way by the task pane and the sign-in dialog page.
 */
export function withRuntimeConfig(config: OutlookConfig, runtime: Partial<Record<keyof OutlookConfig, string>> | undefined): OutlookConfig {
  const merged = { ...config };
  for (const key of Object.keys(runtime ?? {}) as (keyof OutlookConfig)[]) {
    const value = runtime?.[key];
    if (typeof value === 'string' && value.trim()) merged[key] = value.trim();
  }
  return merged;
}

/**
 * The add-in's configuration as every page reads it (task pane, ribbon command, sign-in dialog):
 * the build-time values, with any the hosting page supplied at run time taking precedence.
 */
export function addinConfig(): OutlookConfig {
  return withRuntimeConfig(configFromEnv(), typeof window !== 'undefined' ? window.__REZI_CONFIG__ : undefined);
}

/** What is missing, in words an IT admin can act on; empty when the configuration is usable. */
export function configProblems(c: OutlookConfig): string[] {
  const problems: string[] = [];
  if (!c.clientId) problems.push('REZI_CLIENT_ID (the Entra app registration’s client id) was not set when the add-in was built.');
  if (!c.adapterUrl) problems.push('REZI_ADAPTER_URL (the Rezi adapter’s address) was not set when the add-in was built.');
  if (!c.adapterScope) problems.push('REZI_ADAPTER_SCOPE (the adapter’s access_as_user scope) was not set when the add-in was built.');
  return problems;
}

/**
 * The adapter's configuration, read from environment variables once at start-up. Every variable that
 * is missing or wrong is reported with its own plain message, all at once, so an admin fixes the
 * whole set in one go rather than one restart per mistake.
 */
import fs from 'node:fs';
import path from 'node:path';
import { imapHostPolicy } from './imap/host-policy';

/** The fixed tenant of the built-in local issuer (demo users belong to it). */
export const LOCAL_DEMO_TENANT = '7c1f4a2e-3b5d-4e6f-9a8b-0c1d2e3f4a5b';
/** The audience (app id URI) local tokens are minted for, unless AUTH_AUDIENCE says otherwise. */
export const DEFAULT_LOCAL_AUDIENCE = 'api://localhost/rezi-email-sync';
/** Entra's multi-tenant JWKS: every tenant's signing keys. */
export const ENTRA_JWKS_URL = 'https://login.microsoftonline.com/common/discovery/v2.0/keys';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface AuthConfig {
  /**
   * Accepted `iss` values. `{tenantid}` in an entry (Entra's multi-tenant form,
   * `https://login.microsoftonline.com/{tenantid}/v2.0`) is replaced by the token's `tid`, which must
   * then be in `allowedTenants`. Empty while the local issuer is configured: filled in when it starts.
   */
  issuers: string[];
  /** JWKS of the issuer(s); undefined while the local issuer is configured: filled in when it starts. */
  jwksUrl?: string;
  /** Expected `aud`: the adapter's app id URI (or client id). */
  audience: string;
  /** Tenant ids (`tid`) allowed to call; empty means only tenants named literally in `issuers`. */
  allowedTenants: string[];
  /** Start the built-in loopback issuer and trust it (local runs, demo, tests; off unless turned on). */
  localIssuer: boolean;
  /** Port of the local issuer (0: any free port). */
  localIssuerPort: number;
}

export interface Config {
  port: number;
  host: string;
  /** NODE_ENV=production: local-run features are refused, the IMAP key must be given by the operator. */
  production: boolean;
  /**
   * Host names (optionally `name:port`) the adapter answers for besides the loopback names of its
   * own port (ALLOWED_HOSTS): a request naming any other host is refused (DNS-rebinding defence).
   */
  allowedHosts: string[];
  /** Fastify's trustProxy (TRUST_PROXY): whose X-Forwarded-For to believe for the client address. */
  trustProxy: boolean | number | string;
  dataDir: string;
  databaseFile: string;
  allowedOrigins: string[];
  auth: AuthConfig;
  rezi: {
    /** When set (with apiKey), the Rezi API is the directory instead of the embedded store. */
    apiUrl?: string;
    apiKey?: string;
    /** Group links are `${webUrl}${groupRef}`. */
    webUrl: string;
  };
  /** allowedHosts/allowedPorts: IMAP_ALLOWED_HOSTS / IMAP_ALLOWED_PORTS (src/server/imap/host-policy.ts). */
  imap: { key?: string; keyFile?: string; previous?: string; allowedHosts: string[]; allowedPorts: string[] };
  logLevel: LogLevel;
  /** Load the demo data set when the store is empty. */
  demoData: boolean;
  /** API requests per user per minute. */
  rateLimitPerMinute: number;
  /** Failed (401) API requests per client address per minute before that address is answered 429 unauthenticated. */
  rateLimitFailuresPerMinute: number;
  /** Largest request body in bytes. */
  bodyLimit: number;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`The adapter's configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const v = get(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (it is "${v}").`);
      return fallback;
    }
    return Number(v);
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const v = get(name);
    if (v === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    problems.push(`${name} must be 1 or 0 (it is "${v}").`);
    return fallback;
  };
  const url = (name: string, value: string | undefined, protocols = ['https:', 'http:']): string | undefined => {
    if (value === undefined) return undefined;
    try {
      const u = new URL(value);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
      return value;
    } catch {
      problems.push(`${name} must be a full ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL (it is "${value}").`);
      return undefined;
    }
  };
  const list = (name: string): string[] =>
    (get(name) ?? '')
      .split(/[,\s]+/)
      .map((s) => s.trim())
      .filter(Boolean);

  const port = int('PORT', 3001, 0, 65535);
  const host = get('HOST') ?? '127.0.0.1';
  const production = get('NODE_ENV') === 'production';
  const allowedHosts = list('ALLOWED_HOSTS').map((h) => h.toLowerCase());
  for (const h of allowedHosts) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(h))
      problems.push(`ALLOWED_HOSTS must list host names such as rezi-adapter.example.co.uk ("${h}" is not one).`);
  }
  const trustProxyRaw = get('TRUST_PROXY');
  const trustProxy: Config['trustProxy'] =
    trustProxyRaw === undefined || /^(0|false|no|off)$/i.test(trustProxyRaw) ? false : /^\d+$/.test(trustProxyRaw) ? Number(trustProxyRaw) : trustProxyRaw;
  const dataDir = get('DATA_DIR') ?? '.data';
  const databaseFile = get('DATABASE_FILE') ?? path.join(dataDir, 'rezi.sqlite');

  const allowedOrigins = get('ALLOWED_ORIGINS') === undefined ? ['https://localhost:3000'] : list('ALLOWED_ORIGINS');
  for (const o of allowedOrigins) {
    try {
      const u = new URL(o);
      if (u.origin !== o.replace(/\/$/, '')) throw new Error('not an origin');
    } catch {
      problems.push(`ALLOWED_ORIGINS must be a comma-separated list of origins such as https://localhost:3000 ("${o}" is not one).`);
    }
  }

  const localIssuer = flag('AUTH_LOCAL_ISSUER', false);
  const localIssuerPort = int('AUTH_LOCAL_ISSUER_PORT', 3002, 0, 65535);
  const issuers = list('AUTH_ISSUERS');
  for (const iss of issuers) url('AUTH_ISSUERS', iss.replace('{tenantid}', 'tenant'));
  // Without the local issuer, tokens come from Entra ID: its published keys are the default.
  const jwksUrl = url('AUTH_JWKS_URL', get('AUTH_JWKS_URL')) ?? (localIssuer ? undefined : ENTRA_JWKS_URL);
  const allowedTenants = list('AUTH_ALLOWED_TENANTS');
  let audience = get('AUTH_AUDIENCE');
  if (!localIssuer) {
    const local = ' (For a local run with demo users, use `npm start`, or set AUTH_LOCAL_ISSUER=1 DEMO_DATA=1.)';
    if (issuers.length === 0) problems.push(`AUTH_ISSUERS is required (e.g. https://login.microsoftonline.com/{tenantid}/v2.0).${local}`);
    if (!audience) problems.push(`AUTH_AUDIENCE is required: the adapter's app id URI (api://…) or client id.${local}`);
    if (issuers.some((i) => i.includes('{tenantid}')) && allowedTenants.length === 0) {
      problems.push('AUTH_ALLOWED_TENANTS is required when AUTH_ISSUERS uses {tenantid}: list the tenant ids allowed to call.');
    }
  }
  audience ??= DEFAULT_LOCAL_AUDIENCE;

  const apiUrl = url('REZI_API_URL', get('REZI_API_URL'));
  const apiKey = get('REZI_API_KEY');
  if (apiUrl && !apiKey) problems.push('REZI_API_KEY is required when REZI_API_URL is set.');
  if (apiKey && !get('REZI_API_URL')) problems.push('REZI_API_URL is required when REZI_API_KEY is set.');
  const webUrl = url('REZI_WEB_URL', get('REZI_WEB_URL')) ?? 'https://app.rezi.example/groups/';

  const logLevelRaw = (get('LOG_LEVEL') ?? 'info').toLowerCase();
  let logLevel: LogLevel = 'info';
  if ((LOG_LEVELS as readonly string[]).includes(logLevelRaw)) logLevel = logLevelRaw as LogLevel;
  else problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (it is "${logLevelRaw}").`);

  const config: Config = {
    port,
    host,
    production,
    allowedHosts,
    trustProxy,
    dataDir,
    databaseFile,
    allowedOrigins: allowedOrigins.map((o) => o.replace(/\/$/, '')),
    auth: { issuers, jwksUrl, audience, allowedTenants, localIssuer, localIssuerPort },
    rezi: { apiUrl, apiKey, webUrl },
    imap: {
      key: get('IMAP_KEY'),
      keyFile: get('IMAP_KEY_FILE'),
      previous: get('IMAP_KEY_PREVIOUS'),
      allowedHosts: list('IMAP_ALLOWED_HOSTS'),
      allowedPorts: list('IMAP_ALLOWED_PORTS'),
    },
    logLevel,
    demoData: flag('DEMO_DATA', false),
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
    rateLimitFailuresPerMinute: int('RATE_LIMIT_FAILURES_PER_MINUTE', 60, 1, 1_000_000),
    bodyLimit: int('BODY_LIMIT', 1024 * 1024, 1024, 50 * 1024 * 1024),
  };
  problems.push(...imapHostPolicy(config.imap.allowedHosts, config.imap.allowedPorts).problems);
  problems.push(...localRunProblems(config));
  problems.push(...productionKeyProblems(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * In production the IMAP key is the operator's: IMAP_KEY, or a key file they provide outside the data
 * folder (a secrets mount). A key generated beside the database would sit in every backup of it.
 */
function productionKeyProblems(config: Config): string[] {
  if (!config.production || config.imap.key) return [];
  const file = config.imap.keyFile;
  const within = (dir: string, f: string) => !path.relative(path.resolve(dir), path.resolve(f)).startsWith('..');
  const besideData = (f: string) => within(config.dataDir, f) || within(path.dirname(path.resolve(config.databaseFile)), f);
  if (file && !besideData(file) && fs.existsSync(file)) return [];
  if (file && !besideData(file))
    return [`IMAP_KEY_FILE ${file} does not exist: in production (NODE_ENV=production) the adapter does not generate its IMAP key. Set IMAP_KEY.`];
  return [
    'IMAP_KEY is required in production (NODE_ENV=production): the key that encrypts stored IMAP passwords must not be a file beside the database. Generate one with `openssl rand -base64 32` and set IMAP_KEY.',
  ];
}

/** An audience for local tokens: api://localhost/… or api://127.0.0.1/…, never a real app id URI. */
function isLocalAudience(audience: string): boolean {
  return audience === DEFAULT_LOCAL_AUDIENCE || /^api:\/\/(localhost|127\.0\.0\.1)(\/|$)/i.test(audience);
}

/**
 * The local issuer mints a token for anyone who asks, and the demo data brings demo admins: both are
 * for a developer's machine. Next to production settings they are refused, and the issuer never
 * replaces an operator's issuers, keys or tenants: a configuration that names them is refused.
 */
export function localRunProblems(config: Config): string[] {
  const problems: string[] = [];
  const why = 'the local token issuer (AUTH_LOCAL_ISSUER=1) signs a token for anyone who asks, so it only runs on a developer machine';
  if (config.auth.localIssuer) {
    if (config.production) problems.push(`AUTH_LOCAL_ISSUER=1 is refused with NODE_ENV=production: ${why}. Set AUTH_LOCAL_ISSUER=0.`);
    if (config.auth.issuers.length > 0) problems.push(`AUTH_LOCAL_ISSUER=1 is refused together with AUTH_ISSUERS: ${why}. Set one or the other.`);
    if (config.auth.jwksUrl) problems.push(`AUTH_LOCAL_ISSUER=1 is refused together with AUTH_JWKS_URL: ${why}. Set one or the other.`);
    if (config.auth.allowedTenants.length > 0)
      problems.push(`AUTH_LOCAL_ISSUER=1 is refused together with AUTH_ALLOWED_TENANTS: ${why}. Set one or the other.`);
    if (!isLocalAudience(config.auth.audience))
      problems.push(`AUTH_LOCAL_ISSUER=1 is refused with a real AUTH_AUDIENCE ("${config.auth.audience}"): ${why}. Set AUTH_LOCAL_ISSUER=0.`);
  }
  if (config.demoData && config.production)
    problems.push('DEMO_DATA=1 is refused with NODE_ENV=production: the demo data set brings demo users and admins. Set DEMO_DATA=0.');
  return problems;
}

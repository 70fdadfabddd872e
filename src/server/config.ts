/**
 * The adapter's configuration, read from environment variables once at start-up (their schema is
 * env.ts). Every variable that is missing or wrong is reported with its own plain message, all at
 * once, so an admin fixes the whole set in one go rather than one restart per mistake.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Env, type LogLevel, parseEnv, type ParsedEnv } from './env';
import { type ClientCertificate, readClientCertificate } from './graph/client-assertion';
import { imapHostPolicy } from './imap/host-policy';

/** The fixed tenant of the built-in local issuer (demo users belong to it). */
export const LOCAL_DEMO_TENANT = '7c1f4a2e-3b5d-4e6f-9a8b-0c1d2e3f4a5b';
/** The audience (app id URI) local tokens are minted for, unless AUTH_AUDIENCE says otherwise. */
export const DEFAULT_LOCAL_AUDIENCE = 'api://localhost/rezi-email-sync';
/** Entra's multi-tenant JWKS: every tenant's signing keys. */
export const ENTRA_JWKS_URL = 'https://login.microsoftonline.com/common/discovery/v2.0/keys';

export type { LogLevel } from './env';

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
  /** postgres://… (DATABASE_URL): the store is that PostgreSQL database instead of databaseFile. */
  databaseUrl?: string;
  /** Connections to PostgreSQL per process (DATABASE_POOL_SIZE). */
  databasePoolSize: number;
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
  /** Attachment bytes kept per mail on the timeline (CONTENT_MAX_BYTES_PER_MAIL). */
  contentMaxBytesPerMail: number;
  /** API requests per user per minute. */
  rateLimitPerMinute: number;
  /** Failed (401) API requests per client address per minute before that address is answered 429 unauthenticated. */
  rateLimitFailuresPerMinute: number;
  /** Largest request body in bytes. */
  bodyLimit: number;
  /** LEASE_TTL_SECONDS: a lease not renewed for this long is free (src/server/coordination/lease.ts). */
  leaseTtlMs: number;
  /** JOBS_ON_POSTGRES: Start Sync as pg-boss jobs (with DATABASE_URL, on by default); otherwise in-process, the lease still keeping one sync per account. */
  jobsOnPostgres: boolean;
  /** WATCH_MAX_ACCOUNTS / WATCH_POLL_SECONDS: automatic filing of IMAP Queues (src/server/watch/). */
  watch: { maxAccounts: number; pollMs: number };
  /** SYNC_WAIT_SECONDS: how long POST /imap/sync waits for the run before answering 202 (still running). */
  syncWaitMs: number;
  /**
   * GRAPH_*: Office 365 automatic filing (src/server/graph/); off without a client id and its one
   * credential: the client secret, or the certificate read from GRAPH_CLIENT_CERTIFICATE_PATH.
   */
  graph: { clientId?: string; clientSecret?: string; certificate?: ClientCertificate; tokenUrl?: string; url: string; pollMs: number };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`The adapter's configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The SQLite file when DATABASE_FILE does not name one. */
export const databaseFileIn = (dataDir: string): string => path.join(dataDir, 'rezi.sqlite');

const LOCAL_RUN_HINT = ' (For a local run with demo users, use `npm start`, or set AUTH_LOCAL_ISSUER=1 DEMO_DATA=1.)';

/** Tokens' issuers, keys and audience. Without the local issuer they come from Entra ID, and the operator must name them. */
function authConfig(e: Env, problems: string[]): AuthConfig {
  const localIssuer = e.AUTH_LOCAL_ISSUER;
  const issuers = e.AUTH_ISSUERS ?? [];
  const allowedTenants = e.AUTH_ALLOWED_TENANTS ?? [];
  if (!localIssuer) {
    if (issuers.length === 0) problems.push(`AUTH_ISSUERS is required (e.g. https://login.microsoftonline.com/{tenantid}/v2.0).${LOCAL_RUN_HINT}`);
    if (!e.AUTH_AUDIENCE) problems.push(`AUTH_AUDIENCE is required: the adapter's app id URI (api://…) or client id.${LOCAL_RUN_HINT}`);
    if (issuers.some((i) => i.includes('{tenantid}')) && allowedTenants.length === 0) {
      problems.push('AUTH_ALLOWED_TENANTS is required when AUTH_ISSUERS uses {tenantid}: list the tenant ids allowed to call.');
    }
  }
  return {
    issuers,
    // Without the local issuer, tokens come from Entra ID: its published keys are the default.
    jwksUrl: e.AUTH_JWKS_URL ?? (localIssuer ? undefined : ENTRA_JWKS_URL),
    audience: e.AUTH_AUDIENCE ?? DEFAULT_LOCAL_AUDIENCE,
    allowedTenants,
    localIssuer,
    localIssuerPort: e.AUTH_LOCAL_ISSUER_PORT,
  };
}

function reziConfig({ values: e, given }: ParsedEnv, problems: string[]): Config['rezi'] {
  if (e.REZI_API_URL && !e.REZI_API_KEY) problems.push('REZI_API_KEY is required when REZI_API_URL is set.');
  if (e.REZI_API_KEY && !given('REZI_API_URL')) problems.push('REZI_API_URL is required when REZI_API_KEY is set.');
  return { apiUrl: e.REZI_API_URL, apiKey: e.REZI_API_KEY, webUrl: e.REZI_WEB_URL };
}

/** The adapter's certificate for Microsoft 365 (GRAPH_CLIENT_CERTIFICATE_PATH), read once at start-up. */
function graphCertificate(e: Env, problems: string[]): ClientCertificate | undefined {
  const file = e.GRAPH_CLIENT_CERTIFICATE_PATH;
  if (!file) return undefined;
  if (e.GRAPH_CLIENT_SECRET) {
    problems.push(
      'GRAPH_CLIENT_SECRET and GRAPH_CLIENT_CERTIFICATE_PATH are both set: the adapter proves itself to Microsoft 365 with one credential. Keep the certificate (Microsoft recommends it) and unset GRAPH_CLIENT_SECRET.',
    );
    return undefined;
  }
  if (!e.GRAPH_CLIENT_ID)
    problems.push('GRAPH_CLIENT_ID is required when GRAPH_CLIENT_CERTIFICATE_PATH is set: it is the app registration the certificate belongs to.');
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch {
    problems.push(`GRAPH_CLIENT_CERTIFICATE_PATH ${file} cannot be read: check that the file exists and that the adapter may read it.`);
    return undefined;
  }
  try {
    return readClientCertificate(pem);
  } catch (err) {
    problems.push(`GRAPH_CLIENT_CERTIFICATE_PATH ${file} cannot be used: ${(err as Error).message}`);
    return undefined;
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = parseEnv(env);
  const { values: e, problems } = parsed;
  const config: Config = {
    port: e.PORT,
    host: e.HOST,
    production: e.NODE_ENV === 'production',
    allowedHosts: e.ALLOWED_HOSTS ?? [],
    trustProxy: e.TRUST_PROXY ?? false,
    dataDir: e.DATA_DIR,
    databaseFile: e.DATABASE_FILE ?? databaseFileIn(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    allowedOrigins: e.ALLOWED_ORIGINS,
    auth: authConfig(e, problems),
    rezi: reziConfig(parsed, problems),
    imap: {
      key: e.IMAP_KEY,
      keyFile: e.IMAP_KEY_FILE,
      previous: e.IMAP_KEY_PREVIOUS,
      allowedHosts: e.IMAP_ALLOWED_HOSTS ?? [],
      allowedPorts: e.IMAP_ALLOWED_PORTS ?? [],
    },
    logLevel: e.LOG_LEVEL,
    demoData: e.DEMO_DATA,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    rateLimitFailuresPerMinute: e.RATE_LIMIT_FAILURES_PER_MINUTE,
    bodyLimit: e.BODY_LIMIT,
    leaseTtlMs: e.LEASE_TTL_SECONDS * 1000,
    jobsOnPostgres: e.JOBS_ON_POSTGRES,
    watch: { maxAccounts: e.WATCH_MAX_ACCOUNTS, pollMs: e.WATCH_POLL_SECONDS * 1000 },
    syncWaitMs: e.SYNC_WAIT_SECONDS * 1000,
    contentMaxBytesPerMail: e.CONTENT_MAX_BYTES_PER_MAIL,
    graph: {
      clientId: e.GRAPH_CLIENT_ID,
      clientSecret: e.GRAPH_CLIENT_SECRET,
      certificate: graphCertificate(e, problems),
      tokenUrl: e.GRAPH_TOKEN_URL,
      url: e.GRAPH_URL,
      pollMs: e.GRAPH_POLL_SECONDS * 1000,
    },
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

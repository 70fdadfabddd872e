/**
 * Every environment variable the adapter reads, in one TypeBox schema: its form, its default and what
 * it means. docs/deployment.md's configuration table lists the same variables with the same defaults
 * (test/server/env.test.ts holds them together). The schema checks each value on its own; rules that
 * join several variables (what is required without the local issuer, what production refuses) are
 * in config.ts.
 */
import { FormatRegistry, Type, type StaticDecode, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The plain messages for a value that fails its variable's check (one per bad list entry). */
type Problem = (name: string, value: string) => string[];

/** A variable checked by `test`: a TypeBox format, with the words for a value that fails it. */
function checked(format: string, test: (value: string) => boolean, problem: Problem, options: { default?: string; description: string }) {
  const name = `rezi-env-${format}`;
  if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, test);
  return Type.String({ ...options, format: name, problem });
}

const plain = (description: string, fallback?: string) => Type.String({ description, ...(fallback === undefined ? {} : { default: fallback }) });

const entries = (value: string): string[] =>
  value
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function wholeNumber(min: number, max: number, fallback: number, description: string) {
  const test = (v: string) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max;
  const problem: Problem = (name, v) => [`${name} must be a whole number from ${min} to ${max} (it is "${v}").`];
  return Type.Transform(checked(`whole-${min}-${max}`, test, problem, { default: String(fallback), description }))
    .Decode(Number)
    .Encode(String);
}

/** How an operator writes a switch: on, or off. */
const ON = /^(1|true|yes|on)$/i;
const OFF = /^(0|false|no|off)$/i;
function flag(fallback: '0' | '1', description: string) {
  const test = (v: string) => ON.test(v) || OFF.test(v);
  const problem: Problem = (name, v) => [`${name} must be 1 or 0 (it is "${v}").`];
  return Type.Transform(checked('flag', test, problem, { default: fallback, description }))
    .Decode((v) => ON.test(v))
    .Encode((b) => (b ? '1' : '0'));
}

function isWebUrl(value: string): boolean {
  try {
    return ['https:', 'http:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
function isPostgresUrl(value: string): boolean {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
const urlProblem: Problem = (name, v) => [`${name} must be a full https or http URL (it is "${v}").`];
const url = (description: string, fallback?: string) => checked('url', isWebUrl, urlProblem, { description, ...(fallback ? { default: fallback } : {}) });

interface ListRule {
  /** Each entry must pass; each one that fails gets its own message. */
  test(entry: string): boolean;
  problem(entry: string): string;
  /** The entry as the configuration holds it (e.g. lower case). */
  tidy?(entry: string): string;
  description: string;
  fallback?: string;
}

/** A comma- or space-separated list whose every entry passes the rule. */
function list(format: string, rule: ListRule) {
  const { test, problem, tidy = (e: string) => e, description, fallback } = rule;
  const options = { description, ...(fallback ? { default: fallback } : {}) };
  const schema = checked(
    format,
    (v) => entries(v).every(test),
    (_, v) =>
      entries(v)
        .filter((e) => !test(e))
        .map(problem),
    options,
  );
  return Type.Transform(schema)
    .Decode((v) => entries(v).map(tidy))
    .Encode((l) => l.join(','));
}
const anyList = (description: string) =>
  Type.Transform(plain(description))
    .Decode(entries)
    .Encode((l) => l.join(','));

const HOST_NAME = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/;
function isOrigin(entry: string): boolean {
  try {
    return new URL(entry).origin === entry.replace(/\/$/, '');
  } catch {
    return false;
  }
}

export const EnvSchema = Type.Object({
  PORT: wholeNumber(0, 65535, 3001, 'Port the adapter listens on.'),
  HOST: plain('Address it listens on.', '127.0.0.1'),
  NODE_ENV: Type.Optional(plain('`production` in production: local-run features are refused, the IMAP key must be the operator’s.')),
  ALLOWED_ORIGINS: list('origins', {
    test: isOrigin,
    problem: (o) => `ALLOWED_ORIGINS must be a comma-separated list of origins such as https://localhost:3000 ("${o}" is not one).`,
    // An origin may be written with its trailing slash; CORS compares it without.
    tidy: (o) => o.replace(/\/$/, ''),
    description: 'Origins allowed to call the API from a browser (CORS).',
    fallback: 'https://localhost:3000',
  }),
  ALLOWED_HOSTS: Type.Optional(
    list('hosts', {
      test: (h) => HOST_NAME.test(h.toLowerCase()),
      problem: (h) => `ALLOWED_HOSTS must list host names such as rezi-adapter.example.co.uk ("${h.toLowerCase()}" is not one).`,
      tidy: (h) => h.toLowerCase(),
      description: 'Host names the adapter answers for besides its own loopback names (DNS-rebinding defence).',
    }),
  ),
  TRUST_PROXY: Type.Optional(
    Type.Transform(plain('Whose X-Forwarded-For to believe for the client address: an address, a list, or a hop count.'))
      .Decode((v): boolean | number | string => (OFF.test(v) ? false : /^\d+$/.test(v) ? Number(v) : v))
      .Encode(String),
  ),
  DATA_DIR: plain('Folder for the SQLite file and, for local runs, the generated IMAP key file.', '.data'),
  DATABASE_FILE: Type.Optional(plain('The SQLite file itself (default `$DATA_DIR/rezi.sqlite`).')),
  DATABASE_URL: Type.Optional(
    checked('postgres-url', isPostgresUrl, (name) => [`${name} must be a postgres:// URL, e.g. postgres://rezi@db.internal:5432/rezi.`], {
      description: 'The PostgreSQL store (postgres://user@host:port/database); unset, the embedded SQLite file.',
    }),
  ),
  DATABASE_POOL_SIZE: wholeNumber(1, 1000, 10, 'Connections each adapter process keeps open to PostgreSQL.'),
  AUTH_LOCAL_ISSUER: flag('0', 'Start a built-in token issuer on loopback, for local runs and tests only.'),
  AUTH_LOCAL_ISSUER_PORT: wholeNumber(0, 65535, 3002, 'Port of that local issuer.'),
  AUTH_ISSUERS: Type.Optional(
    list('issuers', {
      test: (i) => isWebUrl(i.replace('{tenantid}', 'tenant')),
      problem: (i) => urlProblem('AUTH_ISSUERS', i.replace('{tenantid}', 'tenant'))[0],
      description: 'Accepted token issuers; `{tenantid}` stands for the token’s tenant.',
    }),
  ),
  AUTH_AUDIENCE: Type.Optional(plain('The adapter’s Application ID URI (or client id): the tokens’ `aud`.')),
  AUTH_ALLOWED_TENANTS: Type.Optional(anyList('Tenant ids allowed to call.')),
  AUTH_JWKS_URL: Type.Optional(url('Where the issuers’ signing keys are published (Entra ID’s unless the local issuer runs).')),
  IMAP_KEY: Type.Optional(plain('Key(s) that encrypt stored IMAP passwords: base64, optionally `id:base64`, comma-separated.')),
  IMAP_KEY_FILE: Type.Optional(plain('File holding the IMAP key instead (default `$DATA_DIR/imap.key`).')),
  IMAP_KEY_PREVIOUS: Type.Optional(plain('Older IMAP keys that still decrypt, comma-separated.')),
  IMAP_ALLOWED_HOSTS: Type.Optional(anyList('IMAP servers on private or internal networks the adapter may connect to anyway.')),
  IMAP_ALLOWED_PORTS: Type.Optional(anyList('Ports allowed besides 143 and 993.')),
  REZI_API_URL: Type.Optional(url('The Rezi API: the directory instead of the embedded store (with REZI_API_KEY).')),
  REZI_API_KEY: Type.Optional(plain('API key for REZI_API_URL.')),
  REZI_WEB_URL: url('Prefix of the links to group cards.', 'https://app.rezi.example/groups/'),
  DEMO_DATA: flag('0', 'Load the demo groups and users into an empty store.'),
  LOG_LEVEL: Type.Transform(
    checked(
      'log-level',
      (v) => (LOG_LEVELS as readonly string[]).includes(v.toLowerCase()),
      (name, v) => [`${name} must be one of ${LOG_LEVELS.join(', ')} (it is "${v.toLowerCase()}").`],
      { default: 'info', description: 'How much the adapter logs.' },
    ),
  )
    .Decode((v) => v.toLowerCase() as LogLevel)
    .Encode((v) => v),
  RATE_LIMIT_PER_MINUTE: wholeNumber(1, 1_000_000, 600, 'API requests per user per minute.'),
  RATE_LIMIT_FAILURES_PER_MINUTE: wholeNumber(1, 1_000_000, 60, 'Requests with a missing or invalid token per client address per minute.'),
  BODY_LIMIT: wholeNumber(1024, 50 * 1024 * 1024, 1024 * 1024, 'Largest request body, in bytes.'),
  JOBS_ON_POSTGRES: flag(
    '1',
    'With DATABASE_URL, Start Sync runs as a pg-boss job in the PostgreSQL store, so a sync outlives the instance that began it; `0` runs it in the instance that received it.',
  ),
  SYNC_WAIT_SECONDS: wholeNumber(
    1,
    600,
    20,
    'How long Start Sync waits for the sync before answering 202 (started, still running); keep it under the pane’s 30 s request timeout and the reverse proxy’s read timeout.',
  ),
  CONTENT_MAX_BYTES_PER_MAIL: wholeNumber(
    0,
    1024 * 1024 * 1024,
    25 * 1024 * 1024,
    'Attachment bytes kept on the timeline per mail; attachments past it are listed as left out.',
  ),
  LEASE_TTL_SECONDS: wholeNumber(10, 3600, 120, 'How long an IMAP sync lock outlives an instance that stopped renewing it (renewed every quarter of this).'),
  WATCH_MAX_ACCOUNTS: wholeNumber(
    0,
    100_000,
    200,
    'IMAP accounts whose Queue one adapter instance watches at most (one IMAP connection each); 0 turns automatic filing off on this instance.',
  ),
  WATCH_POLL_SECONDS: wholeNumber(1, 60, 5, 'How often a watched Queue is polled with NOOP on a server without IDLE.'),
  GRAPH_CLIENT_ID: Type.Optional(plain('The adapter’s app registration (application id) for the on-behalf-of flow: Office 365 automatic filing.')),
  GRAPH_CLIENT_SECRET: Type.Optional(plain('That app registration’s client secret (the on-behalf-of flow needs a confidential client).')),
  GRAPH_CLIENT_CERTIFICATE_PATH: Type.Optional(
    plain(
      'A PEM file with that app registration’s certificate and its unencrypted RSA private key: the adapter signs a client assertion with it instead of sending GRAPH_CLIENT_SECRET (one or the other).',
    ),
  ),
  GRAPH_TOKEN_URL: Type.Optional(
    url('The tenant’s token endpoint, https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token (local runs: the local issuer’s).'),
  ),
  GRAPH_URL: url('Microsoft Graph’s base URL, for the delta polls and the moves.', 'https://graph.microsoft.com/v1.0'),
  GRAPH_POLL_SECONDS: wholeNumber(10, 120, 60, 'How often each Office 365 Queue is asked for changes (a Graph delta query).'),
});

export type Env = StaticDecode<typeof EnvSchema>;
export type EnvName = keyof Env;

export interface ParsedEnv {
  values: Env;
  /** One plain message per bad value; a bad value is replaced by its default. */
  problems: string[];
  /** Whether the variable was set (to something other than blanks). */
  given(name: EnvName): boolean;
}

/** Reads the environment once: blanks count as unset, values are trimmed, each checked by the schema. */
export function parseEnv(env: Record<string, string | undefined>): ParsedEnv {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(EnvSchema.properties)) {
    const value = env[name]?.trim();
    if (value) raw[name] = value;
  }
  const given = new Set(Object.keys(raw));
  const withDefaults = Value.Default(EnvSchema, { ...raw }) as Record<string, string>;
  const problems: string[] = [];
  for (const error of [...Value.Errors(EnvSchema, withDefaults)]) {
    const name = error.path.slice(1);
    if (!(name in withDefaults)) continue;
    const problem = (error.schema as TSchema & { problem?: Problem }).problem;
    problems.push(...(problem ? problem(name, String(error.value)) : [`${name} is not valid.`]));
    delete withDefaults[name];
  }
  const values = Value.Decode(EnvSchema, Value.Default(EnvSchema, withDefaults));
  return { values, problems, given: (name) => given.has(name) };
}

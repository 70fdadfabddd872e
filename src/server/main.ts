/**
 * The adapter's entry point (`node dist/server`, `npm start`): configuration, store, demo data, the
 * local issuer when configured, the HTTP service; graceful shutdown on SIGINT/SIGTERM.
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactText, redactUrl } from '../core/redact';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from './app';
import { type AuthConfig, type Config, ConfigError, databaseFileIn, loadConfig, localRunProblems } from './config';
import type { ServerContext } from './context';
import { createTokenVerifier } from './auth/verify';
import { type LocalIssuer, startLocalIssuer } from './auth/local-issuer';
import { ReziApiDirectory } from './directory/rezi-api';
import { type ContentStore, contentStoreFor } from './content/store';
import { startContentSweeper } from './content/sweep';
import { SqliteDirectory } from './directory/sqlite';
import type { DirectoryStore } from './directory/types';
import { migrate, openStore } from './store/db';
import { DEMO_USERS, loadDemoData } from './store/demo-data';

/** Log paths that may carry secrets or mail content: never written. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'cookie',
  'password',
  '*.password',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'body',
  '*.body',
  'req.body',
  'preview',
  '*.preview',
];

/** What a request line logs: its URL without query values (tokens travel there: `?access_token=…`). */
function requestForLog(req: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }) {
  return { method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

function errorForLog(err: unknown) {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  for (const k of ['message', 'stack'] as const) if (typeof out[k] === 'string') out[k] = redactText(out[k]);
  return out;
}

export function createLogger(level: Config['logLevel'], stream?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'rezi-adapter' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { req: requestForLog, err: errorForLog },
    // Log messages are text like any other: token shapes and password pairs never reach the log.
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>);
      },
    },
  };
  return stream ? pino(options, stream) : pino(options);
}

export interface StartOverrides {
  /** Environment to read configuration from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Configuration values that win over the environment. */
  config?: Partial<Omit<Config, 'auth' | 'rezi'>> & { auth?: Partial<AuthConfig>; rezi?: Partial<Config['rezi']> };
  /** Where logs go (tests capture them). Default stdout. */
  logStream?: DestinationStream;
  clock?: () => Date;
  /** Replace the directory (default: Rezi API when configured, else the embedded store). */
  directory?: (ctx: Omit<ServerContext, 'directory' | 'tokens'>) => DirectoryStore;
  /** JWKS refetch cooldown for unknown kids (default 30 s; tests shorten it). */
  jwksCooldownMs?: number;
  app?: BuildAppOptions;
  /** Print the "listening on" banner (default: only when run as the entry point). */
  banner?: boolean;
}

export interface RunningServer {
  /** http://HOST:PORT of the adapter. */
  url: string;
  issuer?: LocalIssuer;
  ctx: ServerContext;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The local issuer; with GRAPH_CLIENT_ID and its secret or certificate its on-behalf-of and refresh
 * grants stand for the tenant's token endpoint (the certificate registered as IT would upload it).
 */
async function startIssuerFor(config: Config): Promise<LocalIssuer> {
  const { clientId, clientSecret, certificate } = config.graph;
  const credential = certificate ? { certificates: [certificate.certificatePem] } : clientSecret ? { clientSecret } : undefined;
  const issuer = await startLocalIssuer({
    port: config.auth.localIssuerPort,
    audience: config.auth.audience,
    allowedOrigins: config.allowedOrigins,
    ...(clientId && credential ? { oboClient: { clientId, ...credential } } : {}),
  });
  if (clientId && !config.graph.tokenUrl) config.graph = { ...config.graph, tokenUrl: `${issuer.origin}/${issuer.tenant}/oauth2/v2.0/token` };
  return issuer;
}

/** The directory the adapter files into, and the content store when the embedded one keeps content. */
function directoryFor(partial: Omit<ServerContext, 'directory' | 'tokens'>, overrides: StartOverrides): { directory: DirectoryStore; content?: ContentStore } {
  const { config, db, log, clock } = partial;
  const maxContentBytes = config.contentMaxBytesPerMail;
  if (overrides.directory) return { directory: overrides.directory(partial) };
  if (config.rezi.apiUrl && config.rezi.apiKey)
    return {
      directory: new ReziApiDirectory({ baseUrl: config.rezi.apiUrl, apiKey: config.rezi.apiKey, db, webUrl: config.rezi.webUrl, log, clock, maxContentBytes }),
    };
  const content = contentStoreFor(db, config);
  return { directory: new SqliteDirectory(db, config.rezi.webUrl, clock, { content, maxContentBytes }), content };
}

export async function startServer(overrides: StartOverrides = {}): Promise<RunningServer> {
  const base = loadConfig(overrides.env ?? process.env);
  const o = overrides.config ?? {};
  const config: Config = { ...base, ...o, auth: { ...base.auth, ...o.auth }, rezi: { ...base.rezi, ...o.rezi } } as Config;
  if (o.dataDir && !o.databaseFile && !(overrides.env ?? process.env).DATABASE_FILE) config.databaseFile = databaseFileIn(o.dataDir);
  // Overrides are checked like the environment: they may turn local-run features on too.
  const refused = localRunProblems(config);
  if (refused.length > 0) throw new ConfigError(refused);
  const log = createLogger(config.logLevel, overrides.logStream);
  const clock = overrides.clock ?? (() => new Date());

  const db = openStore(config);
  let issuer: LocalIssuer | undefined;
  try {
    await migrate(db);
    if (config.demoData && (await loadDemoData(db))) log.info({ file: config.databaseFile }, 'demo data loaded into a fresh store');

    if (config.auth.localIssuer) {
      issuer = await startIssuerFor(config);
      // Local runs trust exactly the local issuer, validated like any other. localRunProblems refused
      // any issuer, key set or tenant of the operator's, so nothing of theirs is replaced here.
      config.auth = { ...config.auth, issuers: [issuer.issuerTemplate], jwksUrl: issuer.jwksUrl, allowedTenants: [issuer.tenant] };
      log.warn(
        { issuer: issuer.origin },
        'the local token issuer is running: anyone who can reach it can sign in as any user. For a developer machine only; never in production.',
      );
    }
    const partial = { config, db, log, clock };
    const { directory, content } = directoryFor(partial, overrides);
    const tokens = createTokenVerifier(db, config.auth, { jwksCooldownMs: overrides.jwksCooldownMs });
    const ctx: ServerContext = { ...partial, directory, tokens };
    const app = await buildApp(ctx, overrides.app);
    await app.listen({ port: config.port, host: config.host });
    const sweeper = content
      ? startContentSweeper(db, content, { onError: (e) => log.warn({ err: e }, 'the sweep of unreferenced mail content failed; it runs again in an hour') })
      : undefined;
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

    if (overrides.banner) {
      const lines = [
        '',
        `  Rezi adapter listening on ${url}  (API ${url}/api/v1, OpenAPI ${url}/api/v1/openapi.json)`,
        `  Directory: ${directory.kind}${directory.kind === 'embedded SQLite' ? ` at ${config.databaseUrl ? 'PostgreSQL' : config.databaseFile}` : ''}`,
        ...(issuer
          ? [
              '',
              '  WARNING: LOCAL RUN. The built-in token issuer is on (AUTH_LOCAL_ISSUER=1): anyone who can reach it',
              '  can sign in as any user. Use it on a developer machine only; production sets AUTH_LOCAL_ISSUER=0.',
              '',
            ]
          : []),
        issuer
          ? `  Local token issuer: ${issuer.origin}/${issuer.tenant}/v2.0  (token endpoint ${issuer.origin}/${issuer.tenant}/oauth2/v2.0/token, demo user ${DEMO_USERS.agent.email})`
          : `  Token issuers: ${config.auth.issuers.join(', ')}`,
        '',
      ];
      process.stdout.write(lines.join('\n') + '\n');
    }

    let closed = false;
    return {
      url,
      issuer,
      ctx,
      app,
      async close() {
        if (closed) return;
        closed = true;
        sweeper?.stop();
        await app.close();
        await issuer?.close();
        await db.destroy();
      },
    };
  } catch (e) {
    await issuer?.close();
    await db.destroy();
    throw e;
  }
}

export async function runMain(): Promise<void> {
  let server: RunningServer;
  try {
    server = await startServer({ banner: true });
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.ctx.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

// Run when this module is the entry (`node dist/server-build/server/main.js`) or is loaded by the
// generated `dist/server/index.js` (`node dist/server`).
const entry = typeof require !== 'undefined' ? require.main : undefined;
if (entry && (entry === module || /[\\/]dist[\\/]server[\\/]index\.js$/.test(entry.filename))) void runMain();

/**
 * The adapter's HTTP service: /api/v1 (authenticated, rate-limited per user), the OpenAPI document,
 * /healthz and /readyz. Every error leaves as a uniform ApiError body; bad input is always a 4xx.
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ApiError, ApiFileOutcome, ApiFileRequest, ApiFileResponse, ApiSyncReport } from '../core/api';
import { API_PREFIX, MAX_FILE_BATCH } from '../core/api';
import { errorResponses, sharedSchemas } from './api-schemas';
import type { ServerContext } from './context';
import { addressLimit } from './address-limit';
import { ApiHttpError } from './errors';
import { assertRunUsable, ensureRun, finishRun, recordOutcomes } from './history';
import { hostMatcher } from './host-names';
import { registerImapRoutes } from './imap/routes';
import { registerLocalTimeline } from './local/timeline-view';
import { registerSupportRoutes } from './support/routes';
import { buildStatus } from './status';
import { ping } from './store/db';

export interface BuildAppOptions {
  /** Extra routes (tests), registered inside the authenticated /api/v1 scope. */
  extraApiRoutes?: (api: FastifyInstance) => Promise<void> | void;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;
let seq = 0;
const newRequestId = () => `req-${Date.now().toString(36)}-${(++seq).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** API answers are per user and often personal: no cache (browser, proxy) may keep one. */
const NO_STORE = 'no-store';

function send(reply: FastifyReply, req: FastifyRequest, status: number, code: string, message: string, extra: Partial<ApiError> = {}) {
  const body: ApiError = { code, message, requestId: String(req.id), ...extra };
  // Also for errors Fastify raises before any hook has run (a malformed URL).
  reply.header('x-request-id', req.id).header('cache-control', NO_STORE);
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** A validation error in plain words: where, and what was wrong (never the value sent). */
function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return 'The request is not valid.';
  const where = `${error.validationContext ?? 'body'}${first.instancePath ? first.instancePath.replace(/\//g, '.') : ''}`;
  return `The request is not valid: ${where} ${first.message ?? 'is wrong'}.`;
}

export async function buildApp(ctx: ServerContext, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config } = ctx;
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    // A hop count is documented by Fastify (proxy-addr) but missing from its types.
    trustProxy: config.trustProxy as boolean | string,
    // Errors the router raises before any hook (a URL that does not decode, an over-long parameter).
    frameworkErrors: (error, req, reply) =>
      error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? send(reply as FastifyReply, req as FastifyRequest, 414, 'url-too-long', 'The request address is too long.')
        : send(reply as FastifyReply, req as FastifyRequest, 400, 'bad-url', 'The request address is not valid.'),
    // Our own ids, honouring a sane incoming x-request-id (so a client's id reaches our logs).
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newRequestId();
    },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: true, useDefaults: false, allErrors: false, allowUnionTypes: true } },
    return503OnClosing: true,
    // Oversized or malformed HTTP before Fastify sees it: still answer JSON, never a bare reset.
    clientErrorHandler: (err, socket) => {
      const code = (err as { code?: string }).code;
      const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const requestId = newRequestId();
      const body = JSON.stringify({
        code: status === 431 ? 'headers-too-large' : 'bad-request',
        message: status === 431 ? 'The request headers are too large.' : 'The request is malformed.',
        requestId,
      });
      if (socket.writable) {
        socket.end(
          `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: ${NO_STORE}\r\nX-Request-Id: ${requestId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      } else socket.destroy();
    },
  });

  const listeningPort = () => {
    const addr = app.server.address();
    return typeof addr === 'object' && addr ? addr.port : undefined;
  };
  const knownHost = hostMatcher(config.allowedHosts, listeningPort);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id).header('cache-control', NO_STORE);
    // DNS-rebinding defence: only our own names. Health checks stay open to probes that send an address.
    const path = req.url.split('?')[0];
    if (path !== '/healthz' && path !== '/readyz' && !knownHost(req.headers.host))
      throw new ApiHttpError(421, 'unknown-host', 'This adapter does not answer for that host name. An administrator lists its names in ALLOWED_HOSTS.');
  });

  for (const schema of sharedSchemas) app.addSchema(schema);
  // The API speaks JSON only: anything else is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');

  await app.register(helmet, {
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  await app.register(cors, {
    origin: config.allowedOrigins,
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Rezi Email Sync adapter',
        version: '1.0.0',
        description: 'Files Outlook and IMAP mails into the Rezi timeline, exactly once per mail and group.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error instanceof ApiHttpError) {
      for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
      if (error.statusCode >= 500) req.log.warn({ code: error.code }, error.message);
      return send(reply, req, error.statusCode, error.code, error.message, error.causeCode ? { cause: error.causeCode } : {});
    }
    if (error.validation) {
      const tooMany = error.validation.some((v) => v.keyword === 'maxItems' && v.instancePath === '/messages');
      if (tooMany)
        return send(reply, req, 413, 'too-many-messages', `At most ${MAX_FILE_BATCH} mails can be filed in one request; send them in smaller batches.`);
      return send(reply, req, 400, 'invalid-request', validationMessage(error));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return send(reply, req, 400, 'invalid-json', 'The request body is not valid JSON.');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(reply, req, 413, 'request-too-large', `The request body is larger than ${config.bodyLimit} bytes.`);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(reply, req, 415, 'unsupported-media-type', 'Send the request body as application/json.');
      default:
        break;
    }
    if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message)))
      return send(reply, req, 400, 'invalid-json', 'The request body is not valid JSON.');
    const status = error.statusCode ?? 500;
    if (status === 429) return send(reply, req, 429, 'rate-limited', 'Too many requests; wait a moment and try again.', { cause: 'throttled' });
    if (status >= 400 && status < 500) return send(reply, req, status, 'bad-request', 'The request is not valid.');
    req.log.error({ err: { type: error.name, code: error.code, stack: error.stack } }, 'unhandled error');
    return send(reply, req, 500, 'internal-error', 'Something went wrong in the adapter. Quote the request id to support.', { cause: 'unknown' });
  });

  app.setNotFoundHandler((req, reply) => send(reply, req, 404, 'not-found', 'There is nothing at this address.'));

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const ok = (await ping(ctx.db)) && (await ctx.directory.ready());
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not-ready' });
  });
  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());
  // Local runs only: a read-only Rezi timeline of the embedded store, where the pane's group links lead.
  if (config.auth.localIssuer) await registerLocalTimeline(app, ctx);

  await app.register(
    async (api) => {
      const failures = addressLimit(config.rateLimitFailuresPerMinute);
      api.addHook('onRequest', async (req) => {
        const wait = failures.blockedFor(req.ip);
        if (wait > 0)
          throw new ApiHttpError(429, 'rate-limited', `Too many failed requests from this address; try again in ${wait} s.`, {
            cause: 'throttled',
            headers: { 'retry-after': String(wait) },
          });
        try {
          req.user = await ctx.tokens.authenticate(req.headers.authorization);
        } catch (e) {
          if (e instanceof ApiHttpError && e.statusCode === 401) failures.failed(req.ip);
          throw e;
        }
      });
      await api.register(rateLimit, {
        // After authentication, so the limit is per user (token subject), not per NAT'd office IP; before
        // parsing and validation, so a user's malformed requests count too.
        hook: 'preParsing',
        max: config.rateLimitPerMinute,
        timeWindow: 60_000,
        keyGenerator: (req) => (req.user ? `u:${req.user.id}` : `ip:${req.ip}`),
        errorResponseBuilder: (_req, context) => ({
          statusCode: 429,
          code: 'rate-limited',
          message: `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s.`,
        }),
      });

      api.post<{ Body: ApiFileRequest; Reply: ApiFileResponse }>(
        '/mail/file',
        {
          schema: {
            summary: 'File a batch of mails into Rezi',
            body: { $ref: 'ApiFileRequest#' },
            response: { 200: { $ref: 'ApiFileResponse#' }, ...errorResponses },
          },
        },
        async (req) => {
          const user = req.user;
          let runId: string;
          let outcomes: ApiFileOutcome[];
          if (ctx.directory.fileBatchAndRecord) {
            // Events, run and outcomes in one transaction (one commit); someone else's run id throws and rolls it all back.
            ({ outcomes, recorded: runId } = await ctx.directory.fileBatchAndRecord(user, req.body, async (trx, filed) => {
              const id = await ensureRun(trx, user, req.body.runId, 'graph', ctx.clock());
              await recordOutcomes(trx, id, filed);
              return id;
            }));
          } else {
            // Refuse someone else's run id before anything is written.
            await assertRunUsable(ctx.db, user, req.body.runId);
            outcomes = await ctx.directory.fileBatch(user, req.body);
            runId = await ensureRun(ctx.db, user, req.body.runId, 'graph', ctx.clock());
            await recordOutcomes(ctx.db, runId, outcomes);
          }
          const filed = outcomes.filter((o) => o.status === 'filed').length;
          req.log.info({ runId, messages: outcomes.length, filed }, 'batch filed');
          return { runId, outcomes };
        },
      );

      api.post<{ Body: ApiSyncReport }>(
        '/sync/report',
        {
          schema: {
            summary: 'Finish a sync run with the client’s summary',
            body: { $ref: 'ApiSyncReport#' },
            response: { 204: { type: 'null' }, ...errorResponses },
          },
        },
        async (req, reply) => {
          await finishRun(ctx.db, req.user, req.body, ctx.clock());
          return reply.code(204).send();
        },
      );

      api.get(
        '/status',
        { schema: { summary: 'The caller’s connection state, last sync and recent failures', response: { 200: { $ref: 'ApiStatus#' }, ...errorResponses } } },
        async (req) => buildStatus(ctx, req.user),
      );

      // The IMAP companion's routes: under /api/v1, authenticated (req.user) and rate-limited.
      await registerImapRoutes(api, ctx);
      // Troubleshooting escalation (POST /api/v1/support/cases).
      await registerSupportRoutes(api, ctx);
      if (opts.extraApiRoutes) await opts.extraApiRoutes(api);
    },
    { prefix: API_PREFIX },
  );
  return app;
}

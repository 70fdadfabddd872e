/**
 * The adapter's HTTP service: /api/v1 (authenticated, rate-limited per user), the OpenAPI document,
 * /healthz and /readyz. Every route is an entry of the contract (core/contract/routes.ts), registered
 * by the module of its area; every error leaves as a uniform ApiError body (http/errors.ts).
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { API_PREFIX } from '../core/api';
import type { ServerContext } from './context';
import { enforceContract } from './http/contract';
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './http/errors';
import { guardApi, guardHosts } from './http/guards';
import { registerOpenApi } from './http/openapi';
import { requestIdOf } from './http/reply';
import { registerImapRoutes } from './imap/routes';
import { registerPrivacyRoutes } from './routes/privacy';
import { registerLocalTimeline } from './local/timeline-view';
import { registerFilingRoutes } from './routes/filing';
import { registerFilingRuleRoutes } from './routes/filing-rules';
import { registerFixMailRoutes } from './routes/fix-mail';
import { registerHealthRoutes, registerStatusRoutes } from './routes/status';
import { registerSupportRoutes } from './support/routes';

export interface BuildAppOptions {
  /** Extra routes (tests), registered inside the authenticated /api/v1 scope. */
  extraApiRoutes?: (api: FastifyInstance) => Promise<void> | void;
  /** Check every success answer against its contract schema (tests): one that does not match is a 500, logged. */
  checkResponses?: boolean;
}

function createFastify(ctx: ServerContext): FastifyInstance {
  const { config } = ctx;
  return Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    // A hop count is documented by Fastify (proxy-addr) but missing from its types.
    trustProxy: config.trustProxy as boolean | string,
    frameworkErrors,
    requestIdHeader: false,
    genReqId: (req) => requestIdOf(req.headers['x-request-id']),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: true, useDefaults: false, allErrors: false, allowUnionTypes: true } },
    return503OnClosing: true,
    clientErrorHandler,
  });
}

async function registerWebDefences(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  guardHosts(app, ctx.config.allowedHosts);
  // The API speaks JSON only: anything else is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  await app.register(helmet, {
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  await app.register(cors, {
    origin: ctx.config.allowedOrigins,
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  });
}

export async function buildApp(ctx: ServerContext, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = createFastify(ctx);
  enforceContract(app, { checkResponses: opts.checkResponses });
  await registerWebDefences(app, ctx);
  registerErrorHandling(app, ctx.config.bodyLimit);
  await registerOpenApi(app);
  registerHealthRoutes(app, ctx);
  // Local runs only: a read-only Rezi timeline of the embedded store, where the pane's group links lead.
  if (ctx.config.auth.localIssuer) await registerLocalTimeline(app, ctx);
  await app.register(
    async (api) => {
      await guardApi(api, ctx);
      registerFilingRoutes(api, ctx);
      registerFilingRuleRoutes(api, ctx);
      registerFixMailRoutes(api, ctx);
      registerStatusRoutes(api, ctx);
      registerPrivacyRoutes(api, ctx);
      await registerImapRoutes(api, ctx);
      await registerSupportRoutes(api, ctx);
      if (opts.extraApiRoutes) await opts.extraApiRoutes(api);
    },
    { prefix: API_PREFIX },
  );
  return app;
}

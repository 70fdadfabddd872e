/** The adapter's HTTP service: /api/v1 (authenticated), OpenAPI, health and readiness. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { API_PREFIX } from '../core/api';
import type { ServerContext } from './context';
import { registerImapRoutes } from './imap/routes';
import { ping } from './store/db';

export interface BuildAppOptions {
  /** Extra routes for tests, registered inside the authenticated /api/v1 scope. */
  extraApiRoutes?: (api: FastifyInstance) => Promise<void> | void;
}

export async function buildApp(ctx: ServerContext, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: ctx.log as FastifyBaseLogger, bodyLimit: ctx.config.bodyLimit });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ok = (await ping(ctx.db)) && (await ctx.directory.ready());
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not-ready' });
  });

  await app.register(
    async (api) => {
      api.addHook('onRequest', async (req) => {
        req.user = await ctx.tokens.authenticate(req.headers.authorization);
      });
      // The IMAP companion's routes live under /api/v1 and share authentication.
      await registerImapRoutes(api, ctx);
      if (opts.extraApiRoutes) await opts.extraApiRoutes(api);
    },
    { prefix: API_PREFIX },
  );
  return app;
}

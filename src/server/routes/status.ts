/** GET /status, and the service's own /healthz and /readyz (no sign-in: probes call them). */
import type { FastifyInstance } from 'fastify';
import { routes, serviceRoutes } from '../../core/contract/routes';
import type { ServerContext } from '../context';
import { routeOf, typed } from '../http/contract';
import { buildStatus } from '../status';
import { ping } from '../store/db';

export function registerStatusRoutes(api: FastifyInstance, ctx: ServerContext): void {
  typed(api).route({ ...routeOf(routes.status), handler: async (req) => buildStatus(ctx, req.user) });
}

export function registerHealthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  typed(app).route({ ...routeOf(serviceRoutes.healthz), handler: async () => ({ status: 'ok' as const }) });
  typed(app).route({
    ...routeOf(serviceRoutes.readyz),
    handler: async (_req, reply) => {
      const ok = (await ping(ctx.db)) && (await ctx.directory.ready());
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not-ready' });
    },
  });
}

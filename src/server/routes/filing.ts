/** POST /mail/file (a batch, with its outcomes recorded in the run) and POST /sync/report (the run's summary). */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { fromApiContentItem } from '../../core/content-wire';
import { routes } from '../../core/contract/routes';
import { contentRequestLimit } from '../content/attach';
import type { ServerContext } from '../context';
import { fileRequest } from '../directory/file-request';
import { finishRun } from '../history';
import { routeOf, typed } from '../http/contract';

export function registerFilingRoutes(api: FastifyInstance, ctx: ServerContext): void {
  typed(api).route({
    ...routeOf(routes.fileMail),
    handler: async (req) => {
      const { runId, outcomes } = await fileRequest(ctx, req.user, req.body);
      const filed = outcomes.filter((o) => o.status === 'filed').length;
      req.log.info({ runId, messages: outcomes.length, filed }, 'batch filed');
      return { runId, outcomes };
    },
  });

  typed(api).route({
    ...routeOf(routes.attachContent),
    bodyLimit: contentRequestLimit(ctx.config),
    handler: async (req, reply) => {
      // A directory that keeps no content (the Rezi API until its contract has it) accepts and drops it.
      await ctx.directory.attachContent?.(req.user, req.body.items.map(fromApiContentItem));
      return (reply as FastifyReply).code(204).send();
    },
  });

  typed(api).route({
    ...routeOf(routes.reportSync),
    handler: async (req, reply) => {
      await finishRun(ctx.db, req.user, req.body, ctx.clock());
      // No body at all (not even `null`), as a 204 has always been answered.
      return (reply as FastifyReply).code(204).send();
    },
  });
}

/**
 * Automatic filing's admin routes (their contract: core/contract/watch.ts), inside the authenticated
 * /api/v1 scope, and this instance's Queue watchers, started with the routes and stopped when the
 * adapter closes:
 *   GET/PUT /admin/branches/:branchId/imap/automatic-filing   the branch's switch (admin of that branch; audited)
 */
import type { FastifyInstance } from 'fastify';
import { routes } from '../../core/contract/routes';
import type { ServerContext } from '../context';
import { audit } from '../history';
import { routeOf, typed } from '../http/contract';
import type { ImapService } from '../imap/service';
import { getAutomaticFiling, putAutomaticFiling } from './settings';
import { QueueWatchers, running } from './watchers';

export function registerWatchRoutes(api: FastifyInstance, ctx: ServerContext, service: ImapService): QueueWatchers {
  typed(api).route({
    ...routeOf(routes.branchAutomaticFiling),
    handler: async (req) => {
      await service.assertOwnBranch(req.user, req.params.branchId);
      return getAutomaticFiling(ctx.db, req.params.branchId);
    },
  });
  typed(api).route({
    ...routeOf(routes.putBranchAutomaticFiling),
    handler: async (req) => {
      const { branchId } = req.params;
      await service.assertOwnBranch(req.user, branchId);
      const saved = await putAutomaticFiling(ctx.db, branchId, req.body.enabled, req.user.id, ctx.clock());
      await audit(ctx.db, req.user, 'imap.automatic-filing', { branchId, enabled: saved.enabled }, ctx.clock());
      ctx.log.info({ branchId, actor: req.user.id, enabled: saved.enabled }, 'branch automatic filing changed');
      return saved;
    },
  });
  // Started once the adapter is ready: one that fails to start leaves nothing running behind it.
  const watchers = new QueueWatchers(ctx, service, ctx.config.watch);
  running.set(ctx, watchers);
  api.addHook('onReady', async () => void watchers.start());
  api.addHook('onClose', () => watchers.stop());
  return watchers;
}

/**
 * Fixing a Failed mail and undoing a filing, for the pane: POST /groups/search (the caller's branch's
 * cards), POST /mail/file-to-groups (file onto the chosen cards, optionally remembering the address),
 * POST /mail/unfile. Available where the events live in the adapter's own store, or through a directory
 * that does them itself (the Rezi API, `fixing`).
 */
import type { FastifyInstance } from 'fastify';
import { routes } from '../../core/contract/routes';
import type { ServerContext } from '../context';
import { searchGroups } from '../directory/group-search';
import { fileToGroups, unfile } from '../directory/manual-filing';
import { SqliteDirectory } from '../directory/sqlite';
import { ApiHttpError } from '../errors';
import { routeOf, typed } from '../http/contract';

/** Filing by hand writes the adapter's own events: refused while another directory holds them (the IMAP fix routes too). */
export function assertEmbedded(ctx: ServerContext): void {
  if (!(ctx.directory instanceof SqliteDirectory))
    throw new ApiHttpError(
      409,
      'directory-elsewhere',
      `Filing by hand is not available while this adapter files into the ${ctx.directory.kind}: file the mail in Rezi itself.`,
    );
}

export function registerFixMailRoutes(api: FastifyInstance, ctx: ServerContext): void {
  typed(api).route({
    ...routeOf(routes.searchGroups),
    handler: async (req) => {
      if (ctx.directory.fixing) return ctx.directory.fixing.searchGroups(req.user, req.body);
      assertEmbedded(ctx);
      return searchGroups(ctx.db, req.user.branchId, ctx.config.rezi.webUrl, req.body.query, req.body.limit);
    },
  });
  typed(api).route({
    ...routeOf(routes.fileToGroups),
    handler: async (req) => {
      const fixing = ctx.directory.fixing;
      if (!fixing) assertEmbedded(ctx);
      const answer = fixing ? await fixing.fileToGroups(req.user, req.body) : await fileToGroups(ctx, req.user, req.body);
      req.log.info({ runId: answer.runId, status: answer.outcome.status, groups: req.body.groupIds.length }, 'mail filed by hand');
      return answer;
    },
  });
  typed(api).route({
    ...routeOf(routes.unfileMail),
    handler: async (req) => {
      if (ctx.directory.fixing) return ctx.directory.fixing.unfile(req.user, req.body);
      assertEmbedded(ctx);
      return unfile(ctx, req.user, req.body);
    },
  });
}

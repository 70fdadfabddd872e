/**
 * Fixing and undoing on the IMAP path (contract: core/contract/imap.ts), inside the authenticated
 * /api/v1 scope: GET /imap/failed, POST /imap/fix, POST /imap/unfile. Like the Office 365 ones,
 * available where the events live in the adapter's own store.
 */
import type { FastifyInstance } from 'fastify';
import { routes } from '../../core/contract/routes';
import type { ServerContext } from '../context';
import { routeOf, typed } from '../http/contract';
import { assertEmbedded } from '../routes/fix-mail';
import { failedMails, fixImapMail, unfileImapMail } from './fixing';
import type { ImapService } from './service';

export function registerImapFixRoutes(api: FastifyInstance, ctx: ServerContext, service: ImapService): void {
  typed(api).route({ ...routeOf(routes.imapFailed), handler: async (req) => failedMails(service, req.user) });
  typed(api).route({
    ...routeOf(routes.imapFix),
    handler: async (req) => {
      assertEmbedded(ctx);
      const answer = await fixImapMail(ctx, service, req.user, req.body);
      req.log.info({ runId: answer.runId, status: answer.outcome.status, moveTo: answer.moveTo, groups: req.body.groupIds.length }, 'IMAP mail filed by hand');
      return answer;
    },
  });
  typed(api).route({
    ...routeOf(routes.imapUnfile),
    handler: async (req) => {
      assertEmbedded(ctx);
      return unfileImapMail(ctx, service, req.user, req.body);
    },
  });
}

/**
 * Office 365 automatic filing's routes (their contract: core/contract/watch.ts), inside the
 * authenticated /api/v1 scope, and this instance's Queue pollers, started with the routes and
 * stopped when the adapter closes:
 *   POST   /graph/automatic-filing   the caller's own token is the OBO assertion; the refresh token is sealed and stored
 *   DELETE /graph/automatic-filing   Stop Email Sync: the stored refresh token is deleted
 * Off (409, in plain words) while GRAPH_CLIENT_ID and its credential (a secret or a certificate) are unset.
 */
import type { FastifyInstance } from 'fastify';
import { routes } from '../../core/contract/routes';
import type { ServerContext } from '../context';
import { ApiHttpError } from '../errors';
import { audit } from '../history';
import { routeOf, typed } from '../http/contract';
import type { ImapService } from '../imap/service';
import { getAutomaticFiling } from '../watch/settings';
import { deleteGraphAccount, saveRefreshToken } from './accounts';
import { causeOfRefusal, GrantRefused, graphClientOf, GraphTokens } from './graph-tokens';
import { GraphQueuePollers } from './queue-poller';

export const graphPollersRunning = new WeakMap<ServerContext, GraphQueuePollers>();

function grantError(e: GrantRefused): ApiHttpError {
  const cause = causeOfRefusal(e.reason);
  // Not 401: the caller's token for the adapter is fine; Microsoft refused the exchange.
  return new ApiHttpError(e.reason === 'unreachable' ? 502 : 422, `graph-${e.reason}`, e.message, { cause });
}

export function registerGraphRoutes(api: FastifyInstance, ctx: ServerContext, service: ImapService): void {
  const { url, pollMs } = ctx.config.graph;
  const client = graphClientOf(ctx.config.graph);
  const tokens = client ? new GraphTokens(client) : undefined;
  const pollers = tokens
    ? new GraphQueuePollers(ctx, service.leases, () => service.cipher, { tokens, graphUrl: url, pollMs, maxAccounts: ctx.config.watch.maxAccounts })
    : undefined;
  if (pollers) {
    graphPollersRunning.set(ctx, pollers);
    // Started once the adapter is ready: one that fails to start leaves nothing polling behind it.
    api.addHook('onReady', async () => void pollers.start());
    api.addHook('onClose', () => pollers.stop());
  }
  typed(api).route({
    ...routeOf(routes.graphAutomaticFilingOn),
    handler: async (req) => {
      if (!tokens || !pollers)
        throw new ApiHttpError(
          409,
          'graph-automatic-filing-off',
          'Automatic filing for Office 365 is not set up on this adapter. Ask your IT administrator to configure it.',
          {
            cause: 'not-configured',
          },
        );
      if (!(await getAutomaticFiling(ctx.db, req.user.branchId)).enabled)
        throw new ApiHttpError(
          409,
          'automatic-filing-off',
          'Your branch’s IT administrator has turned automatic filing off. Use Start Sync to file the mail in Queue.',
        );
      const assertion = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      let refreshToken: string;
      try {
        refreshToken = (await tokens.onBehalfOf(assertion)).refreshToken;
      } catch (e) {
        if (e instanceof GrantRefused) throw grantError(e);
        throw e;
      }
      await saveRefreshToken(ctx.db, service.cipher, req.user.id, refreshToken, ctx.clock());
      await audit(ctx.db, req.user, 'graph.automatic-filing', { enabled: true }, ctx.clock());
      void pollers.pollAll();
      return { enabled: true as const, pollSeconds: Math.round(pollMs / 1000) };
    },
  });
  typed(api).route({
    ...routeOf(routes.graphAutomaticFilingOff),
    handler: async (req) => {
      const deleted = await deleteGraphAccount(ctx.db, req.user.id);
      await audit(ctx.db, req.user, 'graph.stop', { deleted }, ctx.clock());
      return { deleted };
    },
  });
}

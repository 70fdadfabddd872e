/**
 * The IMAP companion's HTTP routes (their contract: core/contract/imap.ts), registered inside the
 * authenticated, rate-limited /api/v1 scope:
 *   GET/PUT /admin/branches/:branchId/imap   branch settings (admin of the same organisation; audited)
 *   GET     /imap                            the agent's view: branch configured?, account state
 *   POST    /imap/authenticate               {username, password}: log in, create folders, store encrypted
 *   DELETE  /imap/credentials                Stop Email Sync
 *   POST    /imap/sync                       Start Sync: file what is in Queue; answers the SyncReport
 *   GET/POST /imap/failed, /imap/fix, /imap/unfile   fixing and undoing on the server's folders (fix-routes.ts)
 * Passwords never appear in a response, a log line or the audit log.
 */
import type { FastifyInstance } from 'fastify';
import type { ImapCredentials } from '../../core/api';
import { routes } from '../../core/contract/routes';
import type { ServerContext } from '../context';
import { ApiHttpError } from '../errors';
import { routeOf, typed } from '../http/contract';
import { type ImapSyncJobs, imapSyncJobs } from '../jobs/imap-sync';
import { registerWatchRoutes } from '../watch/routes';
import { registerGraphRoutes } from '../graph/routes';
import { registerImapFixRoutes } from './fix-routes';
import { type ImapService, imapServiceFor, SettingsInvalid } from './service';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Control characters (a CR LF above all) cannot be part of a mailbox login: refused here, in plain
 * words, rather than letting the IMAP exchange fail as a server error.
 */
function loginOf(body: ImapCredentials): ImapCredentials {
  const username = body.username.trim();
  if (CONTROL.test(username))
    throw new ApiHttpError(
      400,
      'invalid-imap-username',
      'The email username cannot contain line breaks or other control characters. Enter it as your mail provider shows it.',
    );
  if (CONTROL.test(body.password))
    throw new ApiHttpError(400, 'invalid-imap-password', 'The email password cannot contain line breaks or other control characters. Check it and try again.');
  return { username, password: body.password };
}

function registerBranchSettings(api: FastifyInstance, service: ImapService): void {
  typed(api).route({ ...routeOf(routes.branchImapSettings), handler: async (req) => service.getBranch(req.user, req.params.branchId) });
  typed(api).route({
    ...routeOf(routes.putBranchImapSettings),
    handler: async (req, reply) => {
      try {
        return await service.putBranch(req.user, req.params.branchId, req.body);
      } catch (e) {
        if (!(e instanceof SettingsInvalid)) throw e;
        // Every problem at once, each in plain words, so IT fixes the form in one go.
        return reply.code(400).send({ code: 'invalid-imap-settings', message: e.message, requestId: String(req.id), problems: e.errors, warnings: e.warnings });
      }
    },
  });
}

export async function registerImapRoutes(api: FastifyInstance, ctx: ServerContext): Promise<void> {
  const service = await imapServiceFor(ctx);
  registerBranchSettings(api, service);
  typed(api).route({ ...routeOf(routes.imapView), handler: async (req) => service.view(req.user) });
  typed(api).route({
    ...routeOf(routes.imapAuthenticate),
    handler: async (req) => {
      const { username, password } = loginOf(req.body);
      return service.authenticate(req.user, username, password);
    },
  });
  typed(api).route({ ...routeOf(routes.imapForget), handler: async (req) => service.stop(req.user) });
  // Start Sync is a job (jobs/imap-sync.ts): the run continues if the pane goes away, recorded in sync history either way.
  // Opened once the adapter is ready (routes are served only then): an adapter that fails to start
  // leaves no job queue running behind it.
  let syncJobs: ImapSyncJobs | undefined;
  api.addHook('onReady', async () => void (syncJobs = await imapSyncJobs(ctx, service)));
  api.addHook('onClose', async () => syncJobs?.stop());
  typed(api).route({
    ...routeOf(routes.imapSync),
    handler: async (req, reply) => {
      const answer = await syncJobs!.run(req.user);
      return 'state' in answer ? reply.code(202).send(answer) : answer;
    },
  });
  registerImapFixRoutes(api, ctx, service);
  // New mail in a connected account's Queue is filed without Start Sync (src/server/watch/).
  registerWatchRoutes(api, ctx, service);
  // Office 365 Queues: polled with Graph delta queries on the agent's delegated grant (src/server/graph/).
  registerGraphRoutes(api, ctx, service);
}

/**
 * The IMAP companion's HTTP routes, registered inside the authenticated, rate-limited /api/v1 scope:
 *   GET/PUT /admin/branches/:branchId/imap   branch settings (admin of the same organisation; audited)
 *   GET     /imap                            the agent's view: branch configured?, account state
 *   POST    /imap/authenticate               {username, password}: log in, create folders, store encrypted
 *   DELETE  /imap/credentials                Stop Email Sync
 *   POST    /imap/sync                       Start Sync: file what is in Queue; answers the SyncReport
 * Passwords never appear in a response, a log line or the audit log.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import { ApiHttpError } from '../errors';
import { imapServiceFor, SettingsInvalid } from './service';

const errorBody = { $ref: 'ApiError#' };
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export async function registerImapRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const service = await imapServiceFor(ctx);

  app.get<{ Params: { branchId: string } }>(
    '/admin/branches/:branchId/imap',
    {
      schema: {
        summary: 'A branch’s IMAP server settings (admin)',
        params: { type: 'object', properties: { branchId: { type: 'string', maxLength: 200 } }, required: ['branchId'] },
      },
    },
    async (req) => service.getBranch(req.user, req.params.branchId),
  );

  app.put<{ Params: { branchId: string }; Body: unknown }>(
    '/admin/branches/:branchId/imap',
    {
      schema: {
        summary: 'Create or replace a branch’s IMAP server settings (admin)',
        params: { type: 'object', properties: { branchId: { type: 'string', maxLength: 200 } }, required: ['branchId'] },
        body: {
          type: 'object',
          properties: {
            host: { type: 'string', maxLength: 300 },
            port: { type: ['integer', 'string'] },
            ssl: { type: 'boolean' },
            tls: { type: 'boolean' },
            starttls: { type: 'boolean' },
            insecure: { type: 'boolean' },
            allowInvalidCertificates: { type: 'boolean' },
            verifyCertificates: { type: 'boolean' },
          },
        },
      },
    },
    async (req, reply) => {
      try {
        return await service.putBranch(req.user, req.params.branchId, req.body);
      } catch (e) {
        if (!(e instanceof SettingsInvalid)) throw e;
        // Every problem at once, each in plain words, so IT fixes the form in one go.
        return reply.code(400).send({ code: 'invalid-imap-settings', message: e.message, requestId: String(req.id), problems: e.errors, warnings: e.warnings });
      }
    },
  );

  app.get('/imap', { schema: { summary: 'The caller’s IMAP connection: branch settings present, account state (never the password)' } }, async (req) =>
    service.view(req.user),
  );

  app.post<{ Body: { username: string; password: string } }>(
    '/imap/authenticate',
    {
      schema: {
        summary: 'Connect an IMAP mailbox: log in, create the Rezi-Imported folders, store the credentials encrypted',
        body: {
          type: 'object',
          required: ['username', 'password'],
          properties: { username: { type: 'string', minLength: 1, maxLength: 320 }, password: { type: 'string', minLength: 1, maxLength: 1000 } },
        },
        response: { 400: errorBody, 409: errorBody, 422: errorBody, 502: errorBody },
      },
    },
    async (req) => {
      // Control characters (a CR LF above all) cannot be part of a mailbox login: refuse them here,
      // in plain words, rather than letting the IMAP exchange fail as a server error.
      const username = req.body.username.trim();
      if (CONTROL.test(username))
        throw new ApiHttpError(
          400,
          'invalid-imap-username',
          'The email username cannot contain line breaks or other control characters. Enter it as your mail provider shows it.',
        );
      if (CONTROL.test(req.body.password))
        throw new ApiHttpError(
          400,
          'invalid-imap-password',
          'The email password cannot contain line breaks or other control characters. Check it and try again.',
        );
      return service.authenticate(req.user, username, req.body.password);
    },
  );

  app.delete('/imap/credentials', { schema: { summary: 'Stop Email Sync: delete the stored IMAP credentials' } }, async (req) => service.stop(req.user));

  app.post('/imap/sync', { schema: { summary: 'Start Sync: file the mails in Rezi-Imported/Queue', response: { 409: errorBody } } }, async (req) => {
    // The run continues if the pane goes away: it is recorded in sync history either way.
    const result = await service.sync(req.user);
    return result;
  });
}

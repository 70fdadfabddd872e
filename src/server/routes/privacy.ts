/**
 * GET/PUT /admin/branches/:branchId/privacy: a branch's privacy level, set by that branch's own
 * administrator (audited). The level goes back with every filing answer, so the pane and the IMAP
 * companion know before reading anything how much of a mail may leave the mailbox.
 */
import type { FastifyInstance } from 'fastify';
import { DEFAULT_PRIVACY, type PrivacyLevel } from '../../core/content';
import { routes } from '../../core/contract/routes';
import type { AuthUser, ServerContext } from '../context';
import { ApiHttpError } from '../errors';
import { audit } from '../history';
import { routeOf, typed } from '../http/contract';

async function ownBranch(ctx: ServerContext, admin: AuthUser, branchId: string): Promise<PrivacyLevel | null> {
  if (admin.role !== 'admin') throw new ApiHttpError(403, 'admin-only', 'Only an IT administrator can view or change what the timeline keeps of a mail.');
  const branch = await ctx.db.selectFrom('branches').select(['id', 'tenant_id', 'privacy_level']).where('id', '=', branchId).executeTakeFirst();
  // Another organisation's branch answers exactly like a missing one.
  if (!branch || branch.tenant_id !== admin.tenantId) throw new ApiHttpError(404, 'branch-not-found', 'There is no branch with that id in your organisation.');
  if (branch.id !== admin.branchId)
    throw new ApiHttpError(
      403,
      'other-branch',
      `You administer ${admin.branchName} only. Ask that branch’s IT administrator to change what its timeline keeps.`,
    );
  return branch.privacy_level;
}

const answer = (branchId: string, level: PrivacyLevel | null) => ({ branchId, level: level ?? DEFAULT_PRIVACY, isDefault: level === null });

export function registerPrivacyRoutes(api: FastifyInstance, ctx: ServerContext): void {
  typed(api).route({
    ...routeOf(routes.branchPrivacy),
    handler: async (req) => answer(req.params.branchId, await ownBranch(ctx, req.user, req.params.branchId)),
  });
  typed(api).route({
    ...routeOf(routes.putBranchPrivacy),
    handler: async (req) => {
      const before = await ownBranch(ctx, req.user, req.params.branchId);
      const level = req.body.level;
      await ctx.db.transaction().execute(async (trx) => {
        await trx.updateTable('branches').set({ privacy_level: level }).where('id', '=', req.params.branchId).execute();
        await audit(
          trx,
          req.user,
          'branch-privacy.set',
          { branchId: req.params.branchId, from: before ?? `${DEFAULT_PRIVACY} (default)`, to: level },
          ctx.clock(),
        );
      });
      return answer(req.params.branchId, level);
    },
  });
}

/**
 * GET/PUT /admin/branches/:branchId/filing-rules: the branch administrator's filing rules (the
 * agency's own domains, the never-file list). Each change is audited with what was added and removed.
 */
import type { FastifyInstance } from 'fastify';
import type { FilingRulesBody } from '../../core/api';
import { routes } from '../../core/contract/routes';
import type { AuthUser, ServerContext } from '../context';
import { getBranchRules, putBranchRules, ruleValue } from '../directory/filing-rules';
import { ApiHttpError } from '../errors';
import { audit } from '../history';
import { routeOf, typed } from '../http/contract';
import type { FilingRuleKind } from '../store/schema';

/** The caller administers this branch (another organisation's branch answers like a missing one). */
export async function assertBranchAdmin(ctx: Pick<ServerContext, 'db'>, admin: AuthUser, branchId: string): Promise<void> {
  if (admin.role !== 'admin') throw new ApiHttpError(403, 'admin-only', 'Only your branch administrator can view or change the filing rules.');
  const branch = await ctx.db.selectFrom('branches').select(['id', 'tenant_id']).where('id', '=', branchId).executeTakeFirst();
  if (!branch || branch.tenant_id !== admin.tenantId) throw new ApiHttpError(404, 'branch-not-found', 'There is no branch with that id in your organisation.');
  if (branch.id !== admin.branchId)
    throw new ApiHttpError(403, 'other-branch', `You administer ${admin.branchName} only. Ask that branch’s administrator to change its filing rules.`);
}

/** Each entry normalised and deduplicated; every entry that is not an address or domain named at once. */
function normalised(body: FilingRulesBody): FilingRulesBody {
  const bad: string[] = [];
  const each = (kind: FilingRuleKind, list: string[]) => {
    const out = new Set<string>();
    for (const raw of list) {
      const v = ruleValue(kind, raw);
      if (v) out.add(v);
      else bad.push(raw);
    }
    return [...out].sort();
  };
  const rules = { agencyDomains: each('agency-domain', body.agencyDomains), neverFile: each('never-file', body.neverFile) };
  if (bad.length > 0) {
    const shown = bad
      .slice(0, 5)
      .map((b) => `“${b}”`)
      .join(', ');
    throw new ApiHttpError(
      400,
      'invalid-filing-rules',
      `${shown}${bad.length > 5 ? ` and ${bad.length - 5} more` : ''} ${bad.length === 1 ? 'is' : 'are'} not an email address or a domain. Agency domains are domains (agency.co.uk); the never-file list takes addresses and domains. Correct them and save again.`,
    );
  }
  return rules;
}

export function registerFilingRuleRoutes(api: FastifyInstance, ctx: ServerContext): void {
  typed(api).route({
    ...routeOf(routes.branchFilingRules),
    handler: async (req) => {
      await assertBranchAdmin(ctx, req.user, req.params.branchId);
      return { branchId: req.params.branchId, ...(await getBranchRules(ctx.db, req.params.branchId)) };
    },
  });
  typed(api).route({
    ...routeOf(routes.putBranchFilingRules),
    handler: async (req) => {
      const { branchId } = req.params;
      await assertBranchAdmin(ctx, req.user, branchId);
      const rules = normalised(req.body);
      const now = ctx.clock();
      const change = await putBranchRules(ctx.db, branchId, rules, req.user.id, now.toISOString());
      await audit(ctx.db, req.user, 'filing-rules.put', { branchId, ...change }, now);
      return { branchId, ...rules };
    },
  });
}

/**
 * What is never filed, whatever the cards say: internal mail (every other address is the agency's own
 * staff: a user of the tenant, or an address on the branch's agency domains) and mail with an address
 * on the branch's never-file list (an address, or a whole domain). Checked before matching, per batch.
 */
import type { Kysely } from 'kysely';
import type { UnmatchedReason } from '../../core/ports';
import type { AuthUser } from '../context';
import type { Database, FilingRuleKind } from '../store/schema';
import { chunk, normaliseFast } from './matching';

export interface FilingRules {
  agencyDomains: ReadonlySet<string>;
  /** Addresses and domains. */
  neverFile: ReadonlySet<string>;
  /** The tenant's users among the batch's addresses. */
  staff: ReadonlySet<string>;
}

const LOOKUP_CHUNK = 2000;

/** The branch's rules, and which of `addresses` are the tenant's users: two queries per batch. */
export async function loadFilingRules(db: Kysely<Database>, user: AuthUser, addresses: readonly string[]): Promise<FilingRules> {
  const rules = await db.selectFrom('branch_filing_rules').select(['kind', 'value']).where('branch_id', '=', user.branchId).execute();
  const staff = new Set<string>();
  for (const part of chunk(addresses, LOOKUP_CHUNK)) {
    const rows = await db.selectFrom('users').select('email').where('tenant_id', '=', user.tenantId).where('email', 'in', part).execute();
    for (const r of rows) staff.add(r.email);
  }
  return {
    agencyDomains: new Set(rules.filter((r) => r.kind === 'agency-domain').map((r) => r.value)),
    neverFile: new Set(rules.filter((r) => r.kind === 'never-file').map((r) => r.value)),
    staff,
  };
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

/** The domain itself or any of its parents is in `set` (`mail.agency.co.uk` is covered by `agency.co.uk`). */
function domainIn(domain: string, set: ReadonlySet<string>): boolean {
  for (let d = domain; d; d = d.includes('.') ? d.slice(d.indexOf('.') + 1) : '') if (set.has(d)) return true;
  return false;
}

const isStaff = (a: string, rules: FilingRules) => rules.staff.has(a) || domainIn(domainOf(a), rules.agencyDomains);

/** Why a mail with these candidate addresses (the owner's own left out) is not filed, if it is not. */
export function screen(candidates: readonly string[], rules: FilingRules): Extract<UnmatchedReason, 'internal-mail' | 'never-file'> | undefined {
  if (candidates.some((a) => rules.neverFile.has(a) || domainIn(domainOf(a), rules.neverFile))) return 'never-file';
  if (candidates.length > 0 && candidates.every((a) => isStaff(a, rules))) return 'internal-mail';
  return undefined;
}

export const SCREEN_MESSAGES: Record<'internal-mail' | 'never-file', string> = {
  'internal-mail':
    'Everyone else on this mail works at your agency (a colleague, or an address on the agency’s own domains), so it was not filed, even where a colleague is also a contact on a card.',
  'never-file': 'An address on this mail, or its domain, is on the never-file list, so it was not filed.',
};

/** A never-file or agency-domain entry as stored: an address or a domain, lower-cased; undefined when it is neither. */
export function ruleValue(kind: FilingRuleKind, raw: string): string | undefined {
  const text = raw.trim().replace(/^@/, '');
  if (text.includes('@')) return kind === 'never-file' ? normaliseFast(text) : undefined;
  const domain = normaliseFast(`x@${text}`);
  return domain ? domainOf(domain) : undefined;
}

export interface BranchRules {
  agencyDomains: string[];
  neverFile: string[];
}

export async function getBranchRules(db: Kysely<Database>, branchId: string): Promise<BranchRules> {
  const rows = await db.selectFrom('branch_filing_rules').select(['kind', 'value']).where('branch_id', '=', branchId).orderBy('value').execute();
  return {
    agencyDomains: rows.filter((r) => r.kind === 'agency-domain').map((r) => r.value),
    neverFile: rows.filter((r) => r.kind === 'never-file').map((r) => r.value),
  };
}

/** Replaces the branch's rules in one transaction; answers what was added and removed (for the audit log). */
export async function putBranchRules(
  db: Kysely<Database>,
  branchId: string,
  rules: BranchRules,
  by: string,
  at: string,
): Promise<{ added: BranchRules; removed: BranchRules }> {
  return db.transaction().execute(async (trx) => {
    const before = await getBranchRules(trx, branchId);
    await trx.deleteFrom('branch_filing_rules').where('branch_id', '=', branchId).execute();
    const rows = [
      ...rules.agencyDomains.map((value) => ({ kind: 'agency-domain' as const, value })),
      ...rules.neverFile.map((value) => ({ kind: 'never-file' as const, value })),
    ].map((r) => ({ ...r, branch_id: branchId, added_by: by, added_at: at }));
    for (const part of chunk(rows, 500)) await trx.insertInto('branch_filing_rules').values(part).execute();
    const diff = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
    return {
      added: { agencyDomains: diff(rules.agencyDomains, before.agencyDomains), neverFile: diff(rules.neverFile, before.neverFile) },
      removed: { agencyDomains: diff(before.agencyDomains, rules.agencyDomains), neverFile: diff(before.neverFile, rules.neverFile) },
    };
  });
}

/**
 * The words a group card is found by (its name: the property's address and postcode; its contacts'
 * names and addresses), one row per (branch, word, card) in group_search_terms. A search looks each
 * word of the query up as a prefix in that index. Whatever writes cards or contacts calls
 * `indexGroupTerms` for the cards it touched, in its own transaction.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema';
import { chunk } from './matching';

/** Longest word kept (longer ones are cut): bounds the index. */
const TERM_MAX = 64;

/** Lower-cased runs of letters and digits, each once. */
export function searchWords(text: string): string[] {
  const words =
    text
      .toLowerCase()
      .normalize('NFC')
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words.map((w) => w.slice(0, TERM_MAX)))];
}

/** Rebuilds the search words of these cards from their name, contacts and addresses. */
export async function indexGroupTerms(db: Kysely<Database>, groupIds: readonly string[]): Promise<void> {
  for (const part of chunk([...new Set(groupIds)], 500)) {
    const rows = await db
      .selectFrom('groups')
      .leftJoin('contacts', 'contacts.group_id', 'groups.id')
      .leftJoin('contact_addresses', 'contact_addresses.contact_id', 'contacts.id')
      .select(['groups.id', 'groups.branch_id', 'groups.name', 'contacts.name as contact', 'contact_addresses.address'])
      .where('groups.id', 'in', part)
      .execute();
    const terms = new Map<string, { branch_id: string; term: string; group_id: string }>();
    for (const r of rows)
      for (const text of [r.name, r.contact ?? '', r.address ?? ''])
        for (const term of searchWords(text)) terms.set(`${r.id}\u0000${term}`, { branch_id: r.branch_id, term, group_id: r.id });
    await db.deleteFrom('group_search_terms').where('group_id', 'in', part).execute();
    for (const rowsPart of chunk([...terms.values()], 1000)) await db.insertInto('group_search_terms').values(rowsPart).execute();
  }
}

/** Rebuilds the search words of every card of a tenant (after a bulk import). */
export async function indexTenantGroupTerms(db: Kysely<Database>, tenantId: string): Promise<void> {
  const groups = await db
    .selectFrom('groups')
    .innerJoin('branches', 'branches.id', 'groups.branch_id')
    .select('groups.id')
    .where('branches.tenant_id', '=', tenantId)
    .execute();
  await indexGroupTerms(
    db,
    groups.map((g) => g.id),
  );
}

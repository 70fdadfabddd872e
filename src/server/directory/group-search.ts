/**
 * Searching the caller's branch's group cards, for filing a Failed mail by hand: every word of the
 * query must begin a word of the card's name (the property's address and postcode), or of a
 * contact's name or address. Each word is one range of the search-word index (branch, word, card;
 * search-terms.ts), the ranges intersected; bounded: at most `limit` cards, `truncated` when more matched.
 */
import type { Kysely } from 'kysely';
import type { GroupSearchResult } from '../../core/api';
import type { Database } from '../store/schema';
import { groupLink } from './matching';
import { searchWords } from './search-terms';

const DEFAULT_LIMIT = 20;
const MAX_WORDS = 5;
/** Above every character a word can hold in the index's byte order (SQLite BINARY, PostgreSQL "C"). */
const AFTER = '\u{10FFFF}';

export async function searchGroups(db: Kysely<Database>, branchId: string, webUrl: string, query: string, limit = DEFAULT_LIMIT): Promise<GroupSearchResult> {
  // The longest words first: they narrow the most.
  const words = searchWords(query)
    .sort((a, b) => b.length - a.length)
    .slice(0, MAX_WORDS);
  if (words.length === 0) return { groups: [], truncated: false };
  const startingWith = (w: string) =>
    db.selectFrom('group_search_terms').select('group_id').where('branch_id', '=', branchId).where('term', '>=', w).where('term', '<', `${w}${AFTER}`);
  let ids = startingWith(words[0]);
  for (const w of words.slice(1)) ids = ids.intersect(startingWith(w));
  const rows = await db
    .selectFrom('groups')
    .select(['groups.id', 'groups.name', 'groups.kind', 'groups.rezi_ref'])
    .where('groups.id', 'in', ids)
    .where('groups.branch_id', '=', branchId)
    .orderBy('groups.name')
    .orderBy('groups.id')
    .limit(limit + 1)
    .execute();
  const found = rows.slice(0, limit);
  const contacts =
    found.length === 0
      ? []
      : await contactsOf(
          db,
          found.map((g) => g.id),
        );
  return {
    groups: found.map((g) => ({
      groupId: g.id,
      name: g.name,
      kind: g.kind,
      link: groupLink(webUrl, g.rezi_ref ?? g.id),
      contacts: contacts.filter((c) => c.groupId === g.id).map(({ contactId, name, addresses }) => ({ contactId, name, addresses })),
    })),
    truncated: rows.length > limit,
  };
}

async function contactsOf(db: Kysely<Database>, groupIds: string[]) {
  const rows = await db
    .selectFrom('contacts')
    .leftJoin('contact_addresses', 'contact_addresses.contact_id', 'contacts.id')
    .select(['contacts.id', 'contacts.group_id', 'contacts.name', 'contact_addresses.address'])
    .where('contacts.group_id', 'in', groupIds)
    .orderBy('contacts.name')
    .orderBy('contacts.id')
    .orderBy('contact_addresses.address')
    .execute();
  const byId = new Map<string, { contactId: string; groupId: string; name: string; addresses: string[] }>();
  for (const r of rows) {
    const c = byId.get(r.id) ?? { contactId: r.id, groupId: r.group_id, name: r.name, addresses: [] };
    if (r.address) c.addresses.push(r.address);
    byId.set(r.id, c);
  }
  return [...byId.values()];
}

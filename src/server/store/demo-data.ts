/**
 * The demo data set: a fictional Bristol estate agency with three branches, a few users and a few
 * dozen group cards (vendors, buyers, landlords, tenants, applicants). Deterministic — no randomness —
 * so tests and the e2e run can rely on the constants exported here. Every address is on a reserved
 * example domain.
 */
import type { Kysely } from 'kysely';
import { normaliseAddress } from '../../core/addresses';
import { LOCAL_DEMO_TENANT } from '../config';
import { indexGroupTerms } from '../directory/search-terms';
import type { Database, GroupKind, Role } from './schema';

export const DEMO_TENANT = LOCAL_DEMO_TENANT;

export const DEMO_BRANCHES = {
  clifton: { id: 'branch-clifton', name: 'Brightwells Estate Agents — Clifton' },
  redland: { id: 'branch-redland', name: 'Brightwells Estate Agents — Redland' },
  southville: { id: 'branch-southville', name: 'Brightwells Estate Agents — Southville' },
} as const;

export const DEMO_USERS = {
  agent: { id: 'user-agent', email: 'agent@brightwells.co.uk', name: 'Alex Morgan', branch: DEMO_BRANCHES.clifton, role: 'agent' as Role },
  admin: { id: 'user-it', email: 'it@brightwells.co.uk', name: 'Priya Shah', branch: DEMO_BRANCHES.clifton, role: 'admin' as Role },
  redlandAgent: { id: 'user-redland', email: 'redland@brightwells.co.uk', name: 'Tom Hughes', branch: DEMO_BRANCHES.redland, role: 'agent' as Role },
  southvilleAgent: {
    id: 'user-southville',
    email: 'southville@brightwells.co.uk',
    name: 'Grace Okafor',
    branch: DEMO_BRANCHES.southville,
    role: 'agent' as Role,
  },
} as const;

/** Addresses with known matches, for tests and the e2e run. */
export const DEMO_ADDRESSES = {
  /** Clifton: vendor of 14 Elm Road (one group). */
  cliftonVendor: 'sarah.whitfield@example.com',
  /** Clifton: buyer on two group cards (a buyer and a tenant group): a mail to them files twice. */
  cliftonTwoGroups: 'james.okoro@example.org',
  /** Clifton: landlord of 3 Royal York Crescent. */
  cliftonLandlord: 'h.pemberton@example.net',
  /** Redland only: never matches for a Clifton user (branch isolation). */
  redlandOnly: 'fiona.gallagher@example.com',
  /** An IDN address as a user would type it; stored in its ASCII (punycode) form. */
  cliftonIdn: 'zoë@bücher.example',
  /** Nobody's. */
  unknown: 'nobody@example.invalid',
} as const;

export const DEMO_GROUP_IDS = {
  elmRoadVendor: 'grp-clifton-01',
} as const;

interface DemoGroup {
  branch: keyof typeof DEMO_BRANCHES;
  name: string;
  kind: GroupKind;
  contacts: { name: string; emails: string[] }[];
}

const LABEL: Record<GroupKind, string> = { vendor: 'Vendor', buyer: 'Buyer', landlord: 'Landlord', tenant: 'Tenant', applicant: 'Applicant' };

/** Hand-written cards (the ones tests rely on) followed by generated ones. */
// Data written as a function (one literal per group); the line limit is for logic.
// eslint-disable-next-line max-lines-per-function
function demoGroups(): DemoGroup[] {
  const a = DEMO_ADDRESSES;
  const fixed: DemoGroup[] = [
    {
      branch: 'clifton',
      name: '14 Elm Road, Clifton, BS8 1AB — Vendor',
      kind: 'vendor',
      contacts: [{ name: 'Sarah Whitfield', emails: [a.cliftonVendor, 'sarah.w@example.co.uk'] }],
    },
    {
      branch: 'clifton',
      name: '27 Hampton Park, Redland, BS6 6LH — Buyer',
      kind: 'buyer',
      contacts: [
        { name: 'James Okoro', emails: [a.cliftonTwoGroups] },
        { name: 'Amara Okoro', emails: ['amara.okoro@example.org'] },
      ],
    },
    {
      branch: 'clifton',
      name: 'Flat 2, 9 Caledonia Place, Clifton, BS8 4DH — Tenant',
      kind: 'tenant',
      contacts: [{ name: 'James Okoro', emails: [a.cliftonTwoGroups] }],
    },
    {
      branch: 'clifton',
      name: '3 Royal York Crescent, Clifton, BS8 4JZ — Landlord',
      kind: 'landlord',
      contacts: [{ name: 'Henry Pemberton', emails: [a.cliftonLandlord] }],
    },
    { branch: 'clifton', name: '8 Sion Hill, Clifton, BS8 4AZ — Applicant', kind: 'applicant', contacts: [{ name: 'Zoë Brandt', emails: [a.cliftonIdn] }] },
    { branch: 'redland', name: '41 Cotham Hill, Cotham, BS6 6JY — Vendor', kind: 'vendor', contacts: [{ name: 'Fiona Gallagher', emails: [a.redlandOnly] }] },
  ];
  const streets: Record<keyof typeof DEMO_BRANCHES, string[]> = {
    clifton: [
      'Whiteladies Road, Clifton, BS8 2PR',
      'Princess Victoria Street, Clifton, BS8 4BX',
      'Pembroke Road, Clifton, BS8 3EG',
      'Canynge Square, Clifton, BS8 3LA',
      'Richmond Terrace, Clifton, BS8 1AB',
      'Worcester Terrace, Clifton, BS8 3JW',
      'Victoria Square, Clifton, BS8 4EU',
      'Gloucester Row, Clifton, BS8 4AW',
    ],
    redland: [
      'Zetland Road, Redland, BS6 7AG',
      'Chandos Road, Redland, BS6 6PG',
      'Lansdown Road, Redland, BS6 6NS',
      'Woodstock Road, Redland, BS6 7EL',
      'Clarendon Road, Redland, BS6 7EX',
      'Elgin Park, Redland, BS6 6RU',
      'Cranbrook Road, Redland, BS6 7BT',
      'Belvedere Road, Redland, BS6 7JG',
    ],
    southville: [
      'North Street, Southville, BS3 1HT',
      'Greville Road, Southville, BS3 1LL',
      'Stackpool Road, Southville, BS3 1NQ',
      'Raleigh Road, Southville, BS3 1QR',
      'Beauley Road, Southville, BS3 1QG',
      'Cotswold Road, Windmill Hill, BS3 4NX',
      'Dean Lane, Southville, BS3 1DB',
      'Mount Pleasant Terrace, Southville, BS3 1LF',
    ],
  };
  const first = [
    'Oliver',
    'Amelia',
    'Harry',
    'Isla',
    'George',
    'Ava',
    'Noah',
    'Mia',
    'Jack',
    'Ivy',
    'Leo',
    'Freya',
    'Arthur',
    'Florence',
    'Oscar',
    'Rosie',
    'Charlie',
    'Evie',
    'Theo',
    'Poppy',
    'Alfie',
    'Sophie',
    'Henry',
    'Lily',
  ];
  const last = [
    'Bennett',
    'Clarke',
    'Davies',
    'Evans',
    'Fletcher',
    'Griffiths',
    'Harrison',
    'Jenkins',
    'Khan',
    'Lloyd',
    'Marsh',
    'Nash',
    'Owens',
    'Patel',
    'Quinn',
    'Rees',
    'Stevens',
    'Turner',
    'Underwood',
    'Vaughan',
    'Walsh',
    'Young',
    'Ahmed',
    'Barker',
  ];
  const kinds: GroupKind[] = ['vendor', 'buyer', 'landlord', 'tenant', 'vendor', 'applicant', 'tenant', 'buyer'];
  const domains = ['example.com', 'example.org', 'example.net', 'example.co.uk'];
  const generated: DemoGroup[] = [];
  let n = 0;
  for (const branch of Object.keys(streets) as (keyof typeof DEMO_BRANCHES)[]) {
    streets[branch].forEach((street, i) => {
      const kind = kinds[i % kinds.length];
      const contacts = Array.from({ length: 1 + (i % 2) }, (_, j) => {
        const k = n * 2 + j;
        const fn = first[k % first.length];
        const ln = last[(k * 7) % last.length];
        return { name: `${fn} ${ln}`, emails: [`${fn}.${ln}@${domains[k % domains.length]}`.toLowerCase()] };
      });
      n++;
      generated.push({ branch, name: `${10 + ((n * 13) % 80)} ${street} — ${LABEL[kind]}`, kind, contacts });
    });
  }
  return [...fixed, ...generated];
}

/** True when the store has no branches yet (a fresh install). */
export async function isEmpty(db: Kysely<Database>): Promise<boolean> {
  return (await db.selectFrom('branches').select('id').limit(1).executeTakeFirst()) === undefined;
}

/** Loads the demo set into an empty store; does nothing if the store already has data. */
export async function loadDemoData(db: Kysely<Database>, tenantId: string = DEMO_TENANT): Promise<boolean> {
  if (!(await isEmpty(db))) return false;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('branches')
      .values(Object.values(DEMO_BRANCHES).map((b) => ({ id: b.id, name: b.name, tenant_id: tenantId })))
      .execute();
    await trx
      .insertInto('users')
      .values(
        Object.values(DEMO_USERS).map((u) => ({
          id: u.id,
          oid: null,
          tenant_id: tenantId,
          email: u.email,
          name: u.name,
          branch_id: u.branch.id,
          role: u.role,
        })),
      )
      .execute();
    const counters: Record<string, number> = {};
    const groups: Database['groups'][] = [];
    const contacts: Database['contacts'][] = [];
    const addresses: Database['contact_addresses'][] = [];
    for (const g of demoGroups()) {
      counters[g.branch] = (counters[g.branch] ?? 0) + 1;
      const groupId = `grp-${g.branch}-${String(counters[g.branch]).padStart(2, '0')}`;
      groups.push({ id: groupId, branch_id: DEMO_BRANCHES[g.branch].id, name: g.name, kind: g.kind, rezi_ref: `RZ-${groupId.slice(4).toUpperCase()}` });
      for (const [ci, c] of g.contacts.entries()) {
        const contactId = `${groupId}-c${ci + 1}`;
        contacts.push({ id: contactId, group_id: groupId, name: c.name });
        for (const e of c.emails) {
          const address = normaliseAddress(e);
          if (address) addresses.push({ contact_id: contactId, address });
        }
      }
    }
    await trx.insertInto('groups').values(groups).execute();
    await trx.insertInto('contacts').values(contacts).execute();
    await trx.insertInto('contact_addresses').values(addresses).execute();
    await indexGroupTerms(
      trx,
      groups.map((g) => g.id),
    );
  });
  return true;
}

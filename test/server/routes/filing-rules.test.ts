/**
 * Internal mail stays out, and the branch's never-file list: set by the branch administrator over
 * HTTP (audited), and what /mail/file answers for mail they cover.
 */
import type { ApiFileMessage, ApiFileOutcome } from '../../../src/core/api';
import { createAdapterClient, type AdapterClient } from '../../../src/client/adapter-client';
import { DEMO_ADDRESSES, DEMO_BRANCHES, DEMO_GROUP_IDS, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';

let adapter: TestAdapter;
let agent: AdapterClient;
let admin: AdapterClient;
let seq = 0;

const clientAs = (email: string) => createAdapterClient({ baseUrl: adapter.url, getToken: () => adapter.mintToken(email) });

beforeAll(async () => {
  adapter = await startTestAdapter();
  agent = clientAs(DEMO_USERS.agent.email);
  admin = clientAs(DEMO_USERS.admin.email);
  // Colleagues who are also contacts on a card: the IT administrator, and a negotiator with no Rezi login.
  await adapter.ctx.db.insertInto('contacts').values({ id: 'c-colleague', group_id: DEMO_GROUP_IDS.elmRoadVendor, name: 'Colleagues' }).execute();
  await adapter.ctx.db
    .insertInto('contact_addresses')
    .values([
      { contact_id: 'c-colleague', address: DEMO_USERS.admin.email },
      { contact_id: 'c-colleague', address: 'negotiator@brightwells.co.uk' },
    ])
    .execute();
});
afterAll(() => adapter.close());

const mail = (from: string, to: string[] = [DEMO_USERS.agent.email]): ApiFileMessage => ({
  internetMessageId: `<rules-${++seq}@mail.example.com>`,
  from: [{ address: from }],
  to: to.map((address) => ({ address })),
  date: '2026-11-20T10:00:00Z',
  subject: 'Keys',
  preview: '',
  direction: 'inbound',
});
const fileOne = async (m: ApiFileMessage): Promise<ApiFileOutcome> =>
  (await agent.file({ ownerAddresses: [DEMO_USERS.agent.email], messages: [m] })).outcomes[0];
const branch = { branchId: DEMO_BRANCHES.clifton.id };

it('keeps mail between colleagues out even where a colleague is a contact on a card; a client on it still files', async () => {
  expect(await fileOne(mail(DEMO_USERS.admin.email))).toMatchObject({
    status: 'unmatched',
    reason: 'internal-mail',
    message: expect.stringMatching(/works at your agency/),
  });
  // Not a user of the tenant, and no agency domains yet: the card matches.
  expect(await fileOne(mail('negotiator@brightwells.co.uk'))).toMatchObject({ status: 'filed' });
  expect(await fileOne(mail(DEMO_USERS.admin.email, [DEMO_USERS.agent.email, DEMO_ADDRESSES.cliftonVendor]))).toMatchObject({ status: 'filed' });
});

it('lets the branch administrator set the agency’s domains and the never-file list, audited, and filing follows them', async () => {
  const saved = await admin.request('putBranchFilingRules', {
    params: branch,
    body: { agencyDomains: ['Brightwells.co.uk'], neverFile: ['@Example.NET', DEMO_ADDRESSES.cliftonVendor.toUpperCase(), 'example.net'] },
  });
  expect(saved).toEqual({ branchId: branch.branchId, agencyDomains: ['brightwells.co.uk'], neverFile: ['example.net', DEMO_ADDRESSES.cliftonVendor] });
  expect(await admin.request('branchFilingRules', { params: branch })).toEqual(saved);
  const logged = await adapter.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'filing-rules.put').execute();
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatchObject({ actor_user_id: DEMO_USERS.admin.id, branch_id: branch.branchId });
  expect(JSON.parse(logged[0].details ?? '{}')).toMatchObject({ added: { agencyDomains: ['brightwells.co.uk'] }, removed: { neverFile: [] } });

  expect(await fileOne(mail('negotiator@brightwells.co.uk'))).toMatchObject({ status: 'unmatched', reason: 'internal-mail' });
  // An address on the list, and a subdomain of a domain on it.
  expect(await fileOne(mail(DEMO_ADDRESSES.cliftonVendor))).toMatchObject({
    status: 'unmatched',
    reason: 'never-file',
    message: expect.stringMatching(/never-file list/),
  });
  expect(await fileOne(mail('lettings@mail.example.net', [DEMO_USERS.agent.email, DEMO_ADDRESSES.cliftonLandlord]))).toMatchObject({
    status: 'unmatched',
    reason: 'never-file',
  });
  // Another branch's rules are its own.
  const redland = clientAs(DEMO_USERS.redlandAgent.email);
  const [o] = (await redland.file({ ownerAddresses: [DEMO_USERS.redlandAgent.email], messages: [mail(DEMO_ADDRESSES.redlandOnly)] })).outcomes;
  expect(o).toMatchObject({ status: 'filed' });
});

it('refuses agents, other branches and entries that are neither an address nor a domain', async () => {
  await expect(agent.request('branchFilingRules', { params: branch })).rejects.toMatchObject({ detail: { status: 403, providerCode: 'admin-only' } });
  await expect(admin.request('branchFilingRules', { params: { branchId: DEMO_BRANCHES.redland.id } })).rejects.toMatchObject({
    detail: { status: 403, providerCode: 'other-branch' },
  });
  await expect(admin.request('branchFilingRules', { params: { branchId: 'nowhere' } })).rejects.toMatchObject({ detail: { status: 404 } });
  const bad = admin.request('putBranchFilingRules', { params: branch, body: { agencyDomains: ['someone@agency.co.uk'], neverFile: ['not a domain'] } });
  await expect(bad).rejects.toMatchObject({
    detail: { status: 400, providerCode: 'invalid-filing-rules' },
    message: expect.stringMatching(/“someone@agency.co.uk”, “not a domain” are not/),
  });
});

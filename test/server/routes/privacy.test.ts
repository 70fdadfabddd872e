import { DEMO_ADDRESSES, DEMO_BRANCHES, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter, type TestAdapter } from '../../support/adapter';

describe('a branch’s privacy level (admin)', () => {
  let adapter: TestAdapter;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    adapter = await startTestAdapter({ demoData: true });
    tokens.admin = await adapter.mintToken(DEMO_USERS.admin.email);
    tokens.agent = await adapter.mintToken(DEMO_USERS.agent.email);
  });
  afterAll(() => adapter?.close());

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${adapter.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: await res.json() };
  };
  const clifton = `/admin/branches/${DEMO_BRANCHES.clifton.id}/privacy`;

  const fileOne = async (id: string) =>
    (
      await call('POST', '/mail/file', tokens.agent, {
        ownerAddresses: [DEMO_USERS.agent.email],
        messages: [
          {
            internetMessageId: id,
            from: [{ address: DEMO_ADDRESSES.cliftonVendor }],
            to: [{ address: DEMO_USERS.agent.email }],
            date: '2026-11-20T10:00:00Z',
            subject: 'S',
            preview: 'P',
            direction: 'inbound',
          },
        ],
      })
    ).json.outcomes[0];

  it('answers the default, is set by the branch’s own admin (audited), and comes back with every filing answer', async () => {
    expect((await call('GET', clifton, tokens.admin)).json).toEqual({ branchId: DEMO_BRANCHES.clifton.id, level: 'attachments', isDefault: true });
    expect(await fileOne('<p1@x>')).toMatchObject({ status: 'filed', privacy: 'attachments' });

    const put = await call('PUT', clifton, tokens.admin, { level: 'preview' });
    expect(put).toEqual({ status: 200, json: { branchId: DEMO_BRANCHES.clifton.id, level: 'preview', isDefault: false } });
    expect((await call('GET', clifton, tokens.admin)).json.level).toBe('preview');
    expect(await fileOne('<p2@x>')).toMatchObject({ status: 'filed', privacy: 'preview' });

    const audit = await adapter.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'branch-privacy.set').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0].details!)).toEqual({ branchId: DEMO_BRANCHES.clifton.id, from: 'attachments (default)', to: 'preview' });
    expect(audit[0].actor_user_id).toBe(DEMO_USERS.admin.id);
  });

  it('refuses agents, other branches, other organisations and unknown levels', async () => {
    expect((await call('PUT', clifton, tokens.agent, { level: 'metadata' })).json.code).toBe('admin-only');
    const other = await call('PUT', `/admin/branches/${DEMO_BRANCHES.southville.id}/privacy`, tokens.admin, { level: 'metadata' });
    expect(other).toMatchObject({ status: 403, json: { code: 'other-branch' } });
    expect((await call('GET', '/admin/branches/no-such-branch/privacy', tokens.admin)).status).toBe(404);
    expect((await call('PUT', clifton, tokens.admin, { level: 'everything' })).status).toBe(400);
    const row = await adapter.ctx.db.selectFrom('branches').select('privacy_level').where('id', '=', DEMO_BRANCHES.southville.id).executeTakeFirst();
    expect(row?.privacy_level).toBeNull();
  });
});

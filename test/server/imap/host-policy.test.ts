/**
 * Branch IMAP settings cannot point the adapter into its own network: the real adapter over HTTP
 * without the operator's allow-lists (production defaults), then with them, and the policy itself
 * against a resolver that changes its answer (DNS rebinding).
 */
import net from 'node:net';
import { checkImapHost, imapHostPolicy, type Lookup } from '../../../src/server/imap/host-policy';
import { imapDb } from '../../../src/server/imap/tables';
import { DEMO_BRANCHES, DEMO_USERS } from '../../../src/server/store/demo-data';
import { startTestAdapter } from '../../support/adapter';

/** A TCP listener that counts connections and never answers: nothing may reach it unless allowed. */
async function countingListener() {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

async function adapterWith(env: Record<string, string | undefined>) {
  const adapter = await startTestAdapter({ env: { IMAP_ALLOWED_HOSTS: undefined, IMAP_ALLOWED_PORTS: undefined, ...env }, logLevel: 'warn' });
  const admin = await adapter.mintToken(DEMO_USERS.admin.email);
  const agent = await adapter.mintToken(DEMO_USERS.agent.email);
  const call = async (method: string, p: string, token: string, body?: unknown) => {
    const res = await fetch(`${adapter.url}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
  };
  const put = (body: unknown) => call('PUT', `/admin/branches/${DEMO_BRANCHES.clifton.id}/imap`, admin, body);
  const authenticate = () => call('POST', '/imap/authenticate', agent, { username: 'agent@example.com', password: 'Secret-Pa55' });
  return { adapter, put, authenticate, call, agent };
}

describe('with the production defaults (no allow-lists)', () => {
  let a: Awaited<ReturnType<typeof adapterWith>>;
  beforeAll(async () => {
    a = await adapterWith({});
  });
  afterAll(() => a.adapter.close());

  it.each([
    '169.254.169.254',
    'metadata.google.internal',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.10',
    '100.64.0.1',
    '0.0.0.0',
    '127.0.0.1',
    'localhost',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '[::ffff:7f00:1]',
    '::ffff:169.254.169.254',
    'fd00:ec2::254',
    'fe80::1',
    '224.0.0.1',
    'mailserver',
  ])('refuses %s as a branch’s server, in plain words', async (host) => {
    const r = await a.put({ host, port: 993, ssl: true, tls: false });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({
      code: 'invalid-imap-settings',
      problems: [{ field: 'host', message: expect.stringMatching(/private or internal network.*IMAP_ALLOWED_HOSTS/) }],
    });
  });

  it('allows the IMAP ports only (143, 993), and no unencrypted connection without asking for it', async () => {
    for (const port of [25, 80, 8080, 6379, 994]) {
      const r = await a.put({ host: '8.8.4.4', port, ssl: true, tls: false });
      expect(r.status).toBe(400);
      expect(r.json.problems).toEqual([expect.objectContaining({ field: 'port', message: expect.stringMatching(/IMAP_ALLOWED_PORTS/) })]);
    }
    expect((await a.put({ host: '8.8.4.4', port: 143, ssl: false, tls: false })).json.problems).toEqual([expect.objectContaining({ field: 'tls' })]);
    const ok = await a.put({ host: '8.8.4.4', port: 993, ssl: true, tls: false });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ host: '8.8.4.4', port: 993, insecure: false });
  });

  it('checks again when connecting: settings that point inside (saved earlier, or a name that now resolves inside) reach nothing', async () => {
    const listener = await countingListener();
    try {
      await imapDb(a.adapter.ctx.db)
        .updateTable('branch_imap_settings')
        .set({ host: '127.0.0.1', port: listener.port, ssl: 0, starttls: 0 })
        .where('branch_id', '=', DEMO_BRANCHES.clifton.id)
        .execute();
      const r = await a.authenticate();
      expect(r.status).toBe(502);
      expect(r.json).toMatchObject({ code: 'imap-server-unreachable', message: expect.stringMatching(/private or internal network/) });
      const sync = await a.call('POST', '/imap/sync', a.agent);
      expect(sync.status).toBe(409);
      expect(listener.connections()).toBe(0);
    } finally {
      await listener.close();
    }
  });
});

describe('with the operator’s allow-lists', () => {
  it('connects to an allowed private host and port, and still refuses everything else', async () => {
    const listener = await countingListener();
    const a = await adapterWith({ IMAP_ALLOWED_HOSTS: '127.0.0.1, 192.168.10.0/24', IMAP_ALLOWED_PORTS: `${listener.port}` });
    try {
      expect((await a.put({ host: '10.0.0.1', port: 993, ssl: true })).status).toBe(400);
      expect((await a.put({ host: '169.254.169.254', port: 993, ssl: true })).status).toBe(400);
      expect((await a.put({ host: '127.0.0.1', port: listener.port + 1, ssl: true })).json.problems[0].field).toBe('port');
      expect((await a.put({ host: '192.168.10.7', port: 993, ssl: true })).status).toBe(200);
      expect((await a.put({ host: '127.0.0.1', port: listener.port, ssl: false, tls: false, insecure: true })).status).toBe(200);
      const r = await a.authenticate();
      expect(r.status).toBe(502);
      expect(r.json.message).toMatch(/^No IMAP server answered/);
      expect(listener.connections()).toBe(1);
    } finally {
      await a.adapter.close();
      await listener.close();
    }
  });

  it('refuses to start with an allow-list entry it cannot read', async () => {
    await expect(startTestAdapter({ env: { IMAP_ALLOWED_HOSTS: '10.0.0.0/99', IMAP_ALLOWED_PORTS: 'imap' }, logLevel: 'silent' })).rejects.toThrow(
      /IMAP_ALLOWED_HOSTS: "10.0.0.0\/99"[\s\S]*IMAP_ALLOWED_PORTS: "imap"/,
    );
  });
});

describe('the policy against the resolver', () => {
  const none = imapHostPolicy([], []).policy;
  const answers = (...lists: string[][]): Lookup => {
    let i = 0;
    return async () => (lists[Math.min(i++, lists.length - 1)] ?? []).map((address) => ({ address, family: net.isIP(address) }));
  };

  it('checks what the name resolves to each time (DNS rebinding), and connects to the address it checked', async () => {
    const lookup = answers(['8.8.4.4'], ['169.254.169.254']);
    expect(await checkImapHost(none, 'imap.example-mail.co.uk', 993, lookup)).toEqual({ ok: true, address: '8.8.4.4', servername: 'imap.example-mail.co.uk' });
    expect(await checkImapHost(none, 'imap.example-mail.co.uk', 993, lookup)).toMatchObject({ ok: false, field: 'host' });
  });

  it('refuses a name with any internal address among its answers, and IPv4-mapped forms', async () => {
    expect(await checkImapHost(none, 'imap.example-mail.co.uk', 993, answers(['8.8.4.4', '10.1.2.3']))).toMatchObject({ ok: false });
    expect(await checkImapHost(none, 'imap.example-mail.co.uk', 993, answers(['::ffff:a00:1']))).toMatchObject({ ok: false });
    expect(await checkImapHost(none, 'imap.example-mail.co.uk', 993, answers(['64:ff9b::7f00:1']))).toMatchObject({ ok: false });
    expect(await checkImapHost(none, 'imap.example-mail.co.uk', 993, answers([]))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/could not be found/),
    });
  });

  it('refuses internal names without asking the resolver, unless the operator names them', async () => {
    const never: Lookup = async () => {
      throw new Error('the resolver must not be asked');
    };
    expect(await checkImapHost(none, 'metadata.google.internal', 993, never)).toMatchObject({ ok: false, field: 'host' });
    const named = imapHostPolicy(['mail.corp.internal'], []).policy;
    expect(await checkImapHost(named, 'mail.corp.internal', 993, answers(['10.9.8.7']))).toEqual({
      ok: true,
      address: '10.9.8.7',
      servername: 'mail.corp.internal',
    });
  });

  it('lets an allowed range through, the mapped IPv6 form of it too', async () => {
    const policy = imapHostPolicy(['10.0.0.0/8'], ['10143-10145']).policy;
    expect(await checkImapHost(policy, '10.2.3.4', 10144)).toEqual({ ok: true, address: '10.2.3.4' });
    expect(await checkImapHost(policy, '::ffff:10.2.3.4', 993)).toMatchObject({ ok: true });
    expect(await checkImapHost(policy, '10.2.3.4', 10146)).toMatchObject({ ok: false, field: 'port' });
    expect(await checkImapHost(policy, '11.2.3.4', 993)).toMatchObject({ ok: true });
  });
});

import { appendMessages, dovecotAvailable, startDovecot, testClient, type DovecotInstance } from '../support/dovecot';

const user = { user: 'agent@example.test', password: 'correct horse' };
const run = dovecotAvailable() ? describe : describe.skip;

run.each(['.', '/'] as const)('Dovecot test server with delimiter %s', (delimiter) => {
  let dovecot: DovecotInstance;
  beforeAll(async () => {
    const started = Date.now();
    dovecot = await startDovecot({ delimiter, users: [user] });
    expect(Date.now() - started).toBeLessThan(3000);
  });
  afterAll(() => dovecot?.stop());

  it('logs in with imapflow and reports its hierarchy delimiter', async () => {
    const client = testClient(dovecot, user);
    await client.connect();
    const list = await client.list();
    expect(list.find((f) => f.path === 'INBOX')?.delimiter).toBe(delimiter);
    await client.logout();
  });

  it('offers STARTTLS and implicit TLS with the self-signed certificate', async () => {
    const starttls = testClient(dovecot, user, { doSTARTTLS: true, tls: { ca: [dovecot.certPem], servername: 'localhost' } });
    await starttls.connect();
    expect(starttls.secureConnection).toBe(true); // upgraded by STARTTLS
    await starttls.logout();
    const tls = testClient(dovecot, user, { port: dovecot.tlsPort, secure: true, tls: { rejectUnauthorized: false } });
    await tls.connect();
    expect(tls.secureConnection).toBe(true);
    await tls.logout();
  });

  it('seeds mail with pipelined APPENDs', async () => {
    const folder = `Seed${delimiter}Box`;
    const started = Date.now();
    await appendMessages(
      dovecot,
      user,
      folder,
      Array.from({ length: 1000 }, (_, i) => ({ from: `a${i}@x.test`, to: user.user, subject: `m${i}` })),
    );
    const elapsed = Date.now() - started;
    const client = testClient(dovecot, user);
    await client.connect();
    const status = await client.status(folder, { messages: true });
    expect(status && status.messages).toBe(1000);
    await client.logout();
    // Loose: the machine is shared; the point is "seconds, not minutes" (imapflow one-by-one takes far longer under load).
    expect(elapsed).toBeLessThan(20000);
  });

  it('rejects a wrong password', async () => {
    const client = testClient(dovecot, { user: user.user, password: 'wrong' });
    await expect(client.connect()).rejects.toMatchObject({ authenticationFailed: true });
  });
});

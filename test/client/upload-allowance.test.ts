/**
 * A request with a large body gets time to send it: the pane's adapter client and the adapter's Rezi
 * API client, each against a loopback server that answers slower than their (shortened) usual timeout.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapterClient } from '../../src/client/adapter-client';
import { SyncError } from '../../src/core/causes';
import { SLOWEST_UPLOAD_BYTES_PER_SECOND } from '../../src/core/http-status';
import type { ReziContentBody } from '../../src/server/directory/rezi-content';
import { ReziHttpClient } from '../../src/server/directory/rezi-http';

const ANSWER_AFTER_MS = 400;
const TIMEOUT_MS = 100;
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), ANSWER_AFTER_MS));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** A body of about two seconds at the slowest upload allowed for. */
const large = 'x'.repeat(2 * SLOWEST_UPLOAD_BYTES_PER_SECOND);
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => 'answered',
    (e: unknown) => (e instanceof SyncError ? e.message : String(e)),
  );

describe('the pane’s adapter client', () => {
  const client = () => createAdapterClient({ baseUrl: url, getToken: async () => 't', timeoutMs: TIMEOUT_MS });
  const content = (text: string) => ({
    body: {
      items: [
        {
          internetMessageId: '<a@x>',
          eventIds: ['e1'],
          headers: { from: [], to: [], cc: [], subject: '', date: '' },
          ok: true as const,
          content: { level: 'body' as const, preview: '', text, attachments: [], leftOut: [] },
        },
      ],
    },
  });

  it('gives a small request its usual timeout', async () => {
    expect(await errorOf(client().request('attachContent', content('short')))).toBe('The Rezi adapter did not answer in time.');
  });

  it('gives a large body time to go up', async () => {
    expect(await errorOf(client().request('attachContent', content(large)))).toBe('answered');
  });
});

describe('the adapter’s Rezi API client', () => {
  const client = () => new ReziHttpClient({ baseUrl: url, apiKey: 'k', timeoutMs: TIMEOUT_MS, contentAttempts: 1 });
  const body = (text: string) => ({ status: 'captured', ownerEmail: 'a@x', internetMessageId: '<m@x>', text }) as unknown as ReziContentBody;

  it('gives a small content PUT its usual timeout', async () => {
    expect(await errorOf(client().putContent('EV-1', body('short'), 'k:content'))).toBe('The Rezi API could not be reached.');
  });

  it('gives a content PUT of megabytes time to go up', async () => {
    expect(await errorOf(client().putContent('EV-1', body(large), 'k:content'))).toBe('answered');
  });
});

/**
 * `npm start`'s sandbox process (scripts/start.mjs runs it compiled): the Graph stand-in with the
 * demo mailbox, its gateway, and the sandbox page, wired to the adapter and the pane's dev server
 * that start.mjs runs beside it. Configuration by environment, every port included:
 *   SANDBOX_PORT (3003)  ADAPTER_URL (http://127.0.0.1:3001)  PANE_URL (https://localhost:3000)
 *   ISSUER_URL (http://127.0.0.1:3002)  AUTH_AUDIENCE (the adapter's default local audience)
 */
import { DEFAULT_LOCAL_AUDIENCE, LOCAL_DEMO_TENANT } from '../../src/server/config';
import { startImapSwitch } from './imap';
import { startSandbox } from './server';

async function main() {
  const env = process.env;
  const adapterUrl = env.ADAPTER_URL ?? 'http://127.0.0.1:3001';
  const issuer = (env.ISSUER_URL ?? 'http://127.0.0.1:3002').replace(/\/$/, '');
  const tenantId = LOCAL_DEMO_TENANT;
  const issuerTokenUrl = `${issuer}/${tenantId}/oauth2/v2.0/token`;
  const imap = startImapSwitch({ adapterUrl, issuerTokenUrl });
  const sandbox = await startSandbox({
    port: Number(env.SANDBOX_PORT ?? 3003),
    paneUrl: env.PANE_URL ?? 'https://localhost:3000',
    adapterUrl,
    adapterScope: `${env.AUTH_AUDIENCE || DEFAULT_LOCAL_AUDIENCE}/access_as_user`,
    issuerTokenUrl,
    tenantId,
    imap: imap.state,
    actions: imap.actions,
  });
  // start.mjs reads this line (and waits for the pane) before it prints the banner.
  process.stdout.write(`sandbox listening on ${sandbox.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    Promise.all([imap.close(), sandbox.close()]).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  process.stderr.write(`The sandbox could not start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

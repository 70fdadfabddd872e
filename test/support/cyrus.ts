/**
 * A real Cyrus IMAP 3.6 (Debian's cyrus-imapd, unpacked by scripts/ci/fetch-imap-servers.sh, not
 * installed) for integration tests: Debian's shipped namespace (`INBOX.` prefix, `.` delimiter, no
 * alternate namespace), a config in a temp folder, 127.0.0.1 on a free high port, started in the
 * foreground (master -D) and stopped by its pid. It refuses a second CREATE of a folder with a plain
 * `NO Mailbox already exists` (no ALREADYEXISTS code), as customers' servers do.
 *
 * Passwords are not checked (SASL `alwaystrue`): Cyrus's own user database needs sasl2-bin's tools,
 * and the wrong-password paths are covered on Dovecot.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { freePort } from './dovecot';
import { supervise } from '../../dev/server-process';

export const IMAP_SERVERS_DIR = process.env.REZI_IMAP_SERVERS ?? '/var/tmp/rezi-imap-servers';
const ROOT = path.join(IMAP_SERVERS_DIR, 'root');
const BIN = path.join(ROOT, 'usr/lib/cyrus/bin');

export function cyrusAvailable(): boolean {
  return existsSync(path.join(BIN, 'master')) && existsSync(path.join(BIN, 'imapd'));
}

export interface CyrusInstance {
  host: '127.0.0.1';
  port: number;
  dir: string;
  stop(): Promise<void>;
}

export async function startCyrus(): Promise<CyrusInstance> {
  // Under /var/tmp like the unpacked server: the unprivileged user it runs as must reach both.
  const dir = mkdtempSync(path.join(IMAP_SERVERS_DIR, 'run-'));
  chmodSync(dir, 0o755);
  // Started as root, Cyrus drops to an unprivileged user: Dovecot's, which the test machine has;
  // started as anyone else, it stays that user.
  const root = process.getuid?.() === 0;
  const runAs = root ? 'dovecot' : userInfo().username;
  const uid = Number(execFileSync('id', ['-u', runAs], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', runAs], { encoding: 'utf8' }).trim());
  const group = execFileSync('id', ['-gn', runAs], { encoding: 'utf8' }).trim();
  for (const sub of ['conf', 'spool', 'run']) {
    mkdirSync(path.join(dir, sub));
    if (root) chownSync(path.join(dir, sub), uid, gid);
  }
  const port = await freePort();
  const imapdConf = path.join(dir, 'imapd.conf');
  writeFileSync(
    imapdConf,
    [
      `configdirectory: ${dir}/conf`,
      `partition-default: ${dir}/spool`,
      `cyrus_user: ${runAs}`,
      `cyrus_group: ${group}`,
      // Debian's shipped namespace: personal folders under INBOX., '.' as the delimiter.
      'unixhierarchysep: no',
      'altnamespace: no',
      'allowplaintext: yes',
      'sasl_pwcheck_method: alwaystrue',
      'sasl_mech_list: PLAIN LOGIN',
      // A user's INBOX is made at first login.
      'autocreate_quota: 0',
      'autocreate_post: 1',
      `idlesocket: ${dir}/run/idle`,
      `lmtpsocket: ${dir}/run/lmtp`,
      `notifysocket: ${dir}/run/notify`,
      `proc_path: ${dir}/run/proc`,
      `mboxname_lockpath: ${dir}/run/lock`,
      `syslog_prefix: rezi-cyrus-${path.basename(dir)}`,
      '',
    ].join('\n'),
  );
  const cyrusConf = path.join(dir, 'cyrus.conf');
  writeFileSync(
    cyrusConf,
    `START {\n  recover cmd="${BIN}/ctl_cyrusdb -r -C ${imapdConf}"\n}\nSERVICES {\n  imap cmd="${BIN}/imapd -C ${imapdConf}" listen="127.0.0.1:${port}" prefork=0 maxchild=50\n}\nEVENTS {\n}\n`,
  );
  const env = {
    ...process.env,
    LD_LIBRARY_PATH: [path.join(ROOT, 'usr/lib/x86_64-linux-gnu'), path.join(ROOT, 'lib/x86_64-linux-gnu')].join(':'),
  };
  const child: ChildProcess = spawn(path.join(BIN, 'master'), ['-D', '-C', imapdConf, '-M', cyrusConf, '-p', path.join(dir, 'run/master.pid'), '-l', '0'], {
    env,
    stdio: 'ignore',
  });
  const server = supervise('Cyrus', child, dir);
  // Cyrus logs to syslog only: run its master under gdb to see why it would not start.
  await server.ready([port], 10_000, () => 'no log (Cyrus writes to syslog only)');
  const stop = server.stop;
  return { host: '127.0.0.1', port, dir, stop };
}

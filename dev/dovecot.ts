/**
 * A real Dovecot (Debian's dovecot-imapd) for integration tests: a config in a temp folder, 127.0.0.1
 * on free high ports, a self-signed certificate made here, users in a passwd-file. Started as a child
 * process in the foreground (-F) and stopped by its pid.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { supervise } from './server-process';

export const DOVECOT_BIN = process.env.DOVECOT_BIN ?? '/usr/sbin/dovecot';

export interface DovecotUser {
  user: string;
  password: string;
  /**
   * Refuse this user's logins even with the right password, answering these words (passdb
   * `nologin` + `reason`): how a provider that wants an app password or OAuth answers. One word,
   * without ':' (passwd-file splits its extra fields at spaces and its fields at colons).
   */
  refusal?: string;
}

export interface DovecotOptions {
  delimiter: '.' | '/';
  users: DovecotUser[];
  /** Listen on an implicit-TLS port too (default true); STARTTLS on the plain port is always offered. */
  tls?: boolean;
  /** Replaces the advertised capability list (e.g. without MOVE), for fallback tests. */
  imapCapability?: string;
  /** Advertised capabilities to leave out of Dovecot's own list (MOVE, UIDPLUS, NAMESPACE…): the client then never uses them. */
  withoutCapabilities?: string[];
  /**
   * 'mbox': Debian's stock `mbox:~/mail:INBOX=/var/mail/%u` shape (within the temp dir), where a
   * folder created without a trailing delimiter is a file that can never hold children.
   */
  storage?: 'maildir' | 'mbox';
  /** The personal namespace's prefix (Courier's and Cyrus's `INBOX.`); '' by default. */
  prefix?: string;
  /**
   * Mailbox ACLs (Dovecot's acl plugin, vfile): folder path → the rights the user has there
   * (RFC 4314 letters, e.g. 'lrswipk' — no 't'/'e', so \Deleted cannot be set nor mail expunged).
   * Folders not named keep every right.
   */
  acl?: Record<string, string>;
}

/** Dovecot 2.3's own post-login capability list (as it advertises it). */
export const DOVECOT_CAPABILITIES =
  'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE';

export interface DovecotInstance {
  host: '127.0.0.1';
  /** Plain IMAP, with STARTTLS. */
  port: number;
  /** Implicit TLS (0 when started with tls: false). */
  tlsPort: number;
  certPem: string;
  dir: string;
  delimiter: '.' | '/';
  /** The Dovecot log, for diagnosing a failing test. */
  log(): string;
  /** Changes a user's password on the server (as a provider's password reset would). */
  setPassword(user: string, password: string): void;
  stop(): Promise<void>;
}

export function dovecotAvailable(): boolean {
  return existsSync(DOVECOT_BIN);
}

/** A port that is free now: bind to 0, read it, close. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function uidOf(name: string, flag: '-u' | '-g'): string {
  return execFileSync('id', [flag, name], { encoding: 'utf8' }).trim();
}

export async function startDovecot(options: DovecotOptions): Promise<DovecotInstance> {
  const tls = options.tls ?? true;
  const dir = mkdtempSync(path.join(tmpdir(), 'rezi-dovecot-'));
  // The imap processes run as the dovecot user: they must be able to walk into the temp dir.
  chmodSync(dir, 0o755);
  const uid = uidOf('dovecot', '-u');
  const gid = uidOf('dovecot', '-g');
  for (const sub of ['base', 'state', 'mail', 'spool', 'acl']) mkdirSync(path.join(dir, sub), { recursive: true });
  chmodSync(path.join(dir, 'mail'), 0o777);
  chmodSync(path.join(dir, 'spool'), 0o777);
  chmodSync(path.join(dir, 'acl'), 0o777);

  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert], {
    stdio: 'ignore',
  });

  const passwd = path.join(dir, 'passwd');
  const users = new Map(options.users.map((u) => [u.user, u.password]));
  const refusals = new Map(options.users.filter((u) => u.refusal).map((u) => [u.user, u.refusal!]));
  const writeUsers = () => {
    writeFileSync(
      `${passwd}.new`,
      [...users]
        .map(([user, password]) => {
          const refusal = refusals.get(user);
          const extra = refusal ? `nologin reason=${refusal}` : '';
          return `${user}:{PLAIN}${password}:${uid}:${gid}::${path.join(dir, 'mail', user)}::${extra}\n`;
        })
        .join(''),
    );
    renameSync(`${passwd}.new`, passwd);
  };
  writeUsers();

  const port = await freePort();
  const tlsPort = tls ? await freePort() : 0;
  const layout = options.delimiter === '/' ? ':LAYOUT=fs' : '';
  // Debian's stock mbox shape: folders under ~/mail, INBOX in the spool (here both in the temp dir).
  const location = options.storage === 'mbox' ? `mbox:${dir}/mail/%u:INBOX=${dir}/spool/%u` : `maildir:${dir}/mail/%u${layout}`;
  const capability = options.withoutCapabilities
    ? DOVECOT_CAPABILITIES.split(' ')
        .filter((c) => !options.withoutCapabilities!.includes(c))
        .join(' ')
    : options.imapCapability;
  // The acl plugin reads per-folder rights from one global file (vfile); the owner's implicit
  // rights are replaced by what the file says for a folder it names.
  const aclFile = path.join(dir, 'acl', 'global');
  if (options.acl) {
    writeFileSync(
      aclFile,
      Object.entries(options.acl)
        .map(([folder, rights]) => `${folder} owner ${rights}\n`)
        .join(''),
    );
  }
  const dh = '/usr/share/dovecot/dh.pem';
  const conf = `
base_dir = ${dir}/base
state_dir = ${dir}/state
instance_name = rezi-test-${path.basename(dir)}
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = yes
ssl_cert = <${cert}
ssl_key = <${key}
${existsSync(dh) ? `ssl_dh = <${dh}` : ''}
auth_mechanisms = plain login
disable_plaintext_auth = no
auth_failure_delay = 0
first_valid_uid = ${uid}
first_valid_gid = ${gid}
mail_location = ${location}
mail_fsync = never
${options.acl ? `mail_plugins = $mail_plugins acl\nplugin {\n  acl = vfile:${aclFile}\n}` : ''}
namespace inbox {
  inbox = yes
  separator = ${options.delimiter}
  prefix = ${options.prefix ?? ''}
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${passwd}
}
userdb {
  driver = passwd-file
  args = username_format=%u ${passwd}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${tlsPort}
    ssl = yes
  }
}
# No growing delay after the wrong-password tests (Dovecot's per-IP authentication penalty).
service anvil {
  chroot =
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
protocol imap {
  mail_max_userip_connections = 200
  ${capability ? `imap_capability = ${capability}` : ''}
  ${options.acl ? 'mail_plugins = $mail_plugins acl imap_acl' : ''}
}
`;
  const confPath = path.join(dir, 'dovecot.conf');
  writeFileSync(confPath, conf);

  const child: ChildProcess = spawn(DOVECOT_BIN, ['-F', '-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const server = supervise('Dovecot', child, dir);
  const log = () => {
    try {
      return readFileSync(path.join(dir, 'dovecot.log'), 'utf8');
    } catch {
      return '';
    }
  };

  const stop = server.stop;
  await server.ready(tls ? [port, tlsPort] : [port], 5000, () => `${stderr}\n${log()}`);

  const setPassword = (user: string, password: string) => {
    users.set(user, password);
    writeUsers();
    // The auth process keeps the file it read: a reload (SIGHUP to the master) starts a fresh one.
    execFileSync(DOVECOT_BIN, ['-c', confPath, 'reload'], { stdio: 'ignore' });
  };
  return { host: '127.0.0.1', port, tlsPort, certPem: readFileSync(cert, 'utf8'), dir, delimiter: options.delimiter, log, setPassword, stop };
}

/** An imapflow client for test set-up and inspection (plain port, no TLS). */
export function testClient(instance: DovecotInstance, user: DovecotUser, extra: Partial<ImapFlowOptions> = {}): ImapFlow {
  return new ImapFlow({
    host: instance.host,
    port: instance.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: user.user, pass: user.password },
    logger: false,
    ...extra,
  });
}

export interface SeedMail {
  from: string;
  to: string;
  cc?: string;
  subject: string;
  messageId?: string;
  date?: Date;
  body?: string;
}

/** An RFC 5322 message as bytes. */
export function rfc822(mail: SeedMail): string {
  const headers = [
    `From: ${mail.from}`,
    `To: ${mail.to}`,
    ...(mail.cc ? [`Cc: ${mail.cc}`] : []),
    `Subject: ${mail.subject}`,
    `Date: ${(mail.date ?? new Date('2026-11-20T10:00:00Z')).toUTCString()}`,
    ...(mail.messageId === '' ? [] : [`Message-ID: ${mail.messageId ?? `<${Math.random().toString(36).slice(2)}@test.local>`}`]),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${mail.body ?? 'Hello, this is a test mail.'}\r\n`;
}

/**
 * Seeds mail quickly. imapflow sends one command at a time, so 1,000 APPENDs would take seconds;
 * here one raw connection sends every APPEND at once with non-synchronising literals (LITERAL+,
 * which Dovecot advertises) and MULTIAPPEND, and waits for the tagged answers. Creates the folder if missing.
 */
export async function appendMessages(instance: DovecotInstance, user: DovecotUser, folder: string, mails: SeedMail[]): Promise<void> {
  const quote = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;
  const socket = net.connect({ host: instance.host, port: instance.port });
  const lines: string[] = [];
  let buffer = '';
  let waiter: (() => void) | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    buffer += d;
    let i;
    while ((i = buffer.indexOf('\r\n')) >= 0) {
      lines.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 2);
    }
    waiter?.();
  });
  const failed = new Promise<never>((_, reject) => socket.once('error', reject));
  const until = async (test: () => boolean) => {
    while (!test()) await Promise.race([new Promise<void>((r) => (waiter = r)), failed]);
  };
  const tagged = (tag: string) => lines.find((l) => l.startsWith(`${tag} `));
  try {
    await until(() => lines.length > 0);
    socket.write(`L LOGIN ${quote(user.user)} ${quote(user.password)}\r\nC CREATE ${quote(folder)}\r\n`);
    await until(() => tagged('C') !== undefined);
    if (!tagged('L')?.startsWith('L OK')) throw new Error(`appendMessages: login failed: ${tagged('L')}`);
    // MULTIAPPEND (RFC 3502): many messages per command, one server-side transaction each.
    const perCommand = 250;
    let commands = 0;
    const chunks: string[] = [];
    for (let i = 0; i < mails.length; i += perCommand) {
      const parts = mails.slice(i, i + perCommand).map((m) => {
        const body = Buffer.from(rfc822(m));
        return ` (\\Seen) {${body.length}+}\r\n${body.toString('utf8')}`;
      });
      chunks.push(`A${commands++} APPEND ${quote(folder)}${parts.join('')}\r\n`);
    }
    socket.write(chunks.join(''));
    await until(() => lines.filter((l) => /^A\d+ /.test(l)).length >= commands);
    const bad = lines.filter((l) => /^A\d+ (NO|BAD)/.test(l));
    if (bad.length) throw new Error(`appendMessages: ${bad.length} APPEND commands failed: ${bad[0]}`);
    socket.write('Z LOGOUT\r\n');
  } finally {
    socket.destroy();
  }
}

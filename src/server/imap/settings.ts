/**
 * Branch IMAP settings: what IT sends once per branch (server address, port, SSL used?, TLS used?),
 * validated with plain-English messages, stored per branch and audited.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { Kysely } from 'kysely';
import { domainToAscii } from '../../core/addresses';
import type { Database } from '../store/schema';
import { imapDb } from './tables';

export interface BranchImapSettings {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (usually port 993). */
  ssl: boolean;
  /** A plain connection upgraded with STARTTLS (usually port 143). */
  starttls: boolean;
  /** Accept only certificates that verify (default true). */
  verifyCertificates: boolean;
}

/** Neither SSL nor TLS: passwords cross the network in clear text (allowed only when set explicitly). */
export const isInsecure = (s: Pick<BranchImapSettings, 'ssl' | 'starttls'>): boolean => !s.ssl && !s.starttls;

/** Whether two settings reach the same server the same way: otherwise stored passwords must not follow. */
export function sameConnection(a: BranchImapSettings, b: BranchImapSettings): boolean {
  return a.host === b.host && a.port === b.port && a.ssl === b.ssl && a.starttls === b.starttls && a.verifyCertificates === b.verifyCertificates;
}

export interface StoredBranchImapSettings extends BranchImapSettings {
  branchId: string;
  updatedBy: string | null;
  updatedAt: string;
}

export interface ValidationMessage {
  field: 'host' | 'port' | 'ssl' | 'tls' | 'insecure' | 'verifyCertificates' | 'body';
  level: 'error' | 'warning';
  message: string;
}

export type Validation =
  { ok: true; settings: BranchImapSettings; warnings: ValidationMessage[] } | { ok: false; errors: ValidationMessage[]; warnings: ValidationMessage[] };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The host in the form to connect to (lower case, ASCII), or undefined when it is neither an IP address nor a valid host name. */
export function normaliseHost(input: string): string | undefined {
  const text = input.trim().replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(text)) return text;
  const ascii = domainToAscii(text);
  if (!ascii || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  // A numeric-only last label is a malformed IP address (e.g. 10.0.0.300), not a host name.
  if (!labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels[labels.length - 1])) return undefined;
  return ascii;
}

type Messages = { errors: ValidationMessage[]; warnings: ValidationMessage[] };
const error = (field: ValidationMessage['field'], message: string): ValidationMessage => ({ field, level: 'error', message });
const warning = (field: ValidationMessage['field'], message: string): ValidationMessage => ({ field, level: 'warning', message });

function hostOf(value: unknown, m: Messages): string {
  if (typeof value !== 'string' || value.trim() === '') {
    m.errors.push(error('host', 'Enter the IMAP server address, for example imap.example-mail.co.uk.'));
    return '';
  }
  const normalised = normaliseHost(value);
  if (normalised) return normalised;
  m.errors.push(
    error('host', `"${value.trim().slice(0, 100)}" is not a valid server address: use a host name such as imap.example-mail.co.uk or an IP address.`),
  );
  return '';
}

function portOf(value: unknown, m: Messages): number {
  const port = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535) return port;
  m.errors.push(error('port', 'The port must be a whole number from 1 to 65535 (usually 993 with SSL, 143 with TLS).'));
  return port as number;
}

/** The four switches; the form's names (`tls`, `allowInvalidCertificates`) win over the stored ones. */
function switchesOf(body: Record<string, unknown>, m: Messages) {
  const flag = (value: unknown, field: ValidationMessage['field'], label: string, fallback: boolean): boolean => {
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'boolean') return value;
    m.errors.push(error(field, `${label} must be true or false.`));
    return fallback;
  };
  const ssl = flag(body.ssl, 'ssl', 'SSL Used?', false);
  const starttls = flag(body.tls ?? body.starttls, 'tls', 'TLS Used?', false);
  const insecure = flag(body.insecure, 'insecure', 'insecure', false);
  const verifyCertificates =
    body.allowInvalidCertificates !== undefined
      ? !flag(body.allowInvalidCertificates, 'verifyCertificates', 'allowInvalidCertificates', false)
      : flag(body.verifyCertificates, 'verifyCertificates', 'verifyCertificates', true);
  return { ssl, starttls, insecure, verifyCertificates };
}

/** SSL or TLS, exactly one; neither only when asked for in so many words. */
function judgeEncryption({ ssl, starttls, insecure }: { ssl: boolean; starttls: boolean; insecure: boolean }, m: Messages): void {
  // The pair can't be judged until both answers are true or false.
  if (m.errors.some((e) => e.field === 'ssl' || e.field === 'tls')) return;
  if (ssl && starttls) {
    m.errors.push(
      error(
        'tls',
        'Choose either SSL or TLS, not both: SSL encrypts from the first byte (usually port 993); TLS upgrades a plain connection with STARTTLS (usually port 143).',
      ),
    );
  } else if (!ssl && !starttls && !insecure) {
    m.errors.push(
      error(
        'tls',
        'With neither SSL nor TLS, mail passwords would cross the network unencrypted. Turn on SSL (usually port 993) or TLS (usually port 143). Only if this server has neither, and the network to it is your own, send insecure: true to allow an unencrypted connection.',
      ),
    );
  } else if (!ssl && !starttls) {
    m.warnings.push(
      warning(
        'insecure',
        'The connection is not encrypted: anyone on the network path can read the agents’ mail passwords. Turn on SSL or TLS as soon as the server offers it.',
      ),
    );
  }
}

function unusualChoices(s: { ssl: boolean; starttls: boolean; verifyCertificates: boolean; port: number }, m: Messages): void {
  if (s.ssl && s.port === 143)
    m.warnings.push(warning('port', 'Port 143 is normally used with TLS (STARTTLS), not SSL; check the port with the mail provider.'));
  if (s.starttls && s.port === 993)
    m.warnings.push(warning('port', 'Port 993 is normally used with SSL, not TLS (STARTTLS); check the port with the mail provider.'));
  if (!s.verifyCertificates) {
    m.warnings.push(
      warning(
        'verifyCertificates',
        'Certificates will not be checked: anyone able to intercept the connection could read mail passwords. Use only for a server with a self-signed or private certificate.',
      ),
    );
  }
}

/**
 * Validates the admin API body. Accepts the form's names (`ssl`, `tls`, `allowInvalidCertificates`)
 * and the stored names (`starttls`, `verifyCertificates`).
 */
export function validateSettings(input: unknown): Validation {
  const m: Messages = { errors: [], warnings: [] };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [error('body', 'Send the settings as a JSON object with host, port, ssl and tls.')], warnings: m.warnings };
  }
  const body = input as Record<string, unknown>;
  const host = hostOf(body.host, m);
  const port = portOf(body.port, m);
  const { ssl, starttls, insecure, verifyCertificates } = switchesOf(body, m);
  judgeEncryption({ ssl, starttls, insecure }, m);
  unusualChoices({ ssl, starttls, verifyCertificates, port }, m);
  if (m.errors.length) return { ok: false, ...m };
  return { ok: true, settings: { host, port, ssl, starttls, verifyCertificates }, warnings: m.warnings };
}

/** The settings in the shape the admin API answers (the form's names). */
export function settingsToApi(s: StoredBranchImapSettings) {
  return {
    branchId: s.branchId,
    host: s.host,
    port: s.port,
    ssl: s.ssl,
    tls: s.starttls,
    insecure: isInsecure(s),
    allowInvalidCertificates: !s.verifyCertificates,
    updatedBy: s.updatedBy,
    updatedAt: s.updatedAt,
  };
}

export async function getBranchSettings(db: Kysely<Database>, branchId: string): Promise<StoredBranchImapSettings | undefined> {
  const row = await imapDb(db).selectFrom('branch_imap_settings').selectAll().where('branch_id', '=', branchId).executeTakeFirst();
  if (!row) return undefined;
  return {
    branchId: row.branch_id,
    host: row.host,
    port: row.port,
    ssl: row.ssl === 1,
    starttls: row.starttls === 1,
    verifyCertificates: row.verify_certificates === 1,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

/** Creates or replaces a branch's settings and records who changed what, in one transaction. */
export async function putBranchSettings(
  db: Kysely<Database>,
  branchId: string,
  settings: BranchImapSettings,
  actorUserId: string,
  now: Date = new Date(),
): Promise<StoredBranchImapSettings & { revokedUserIds: string[] }> {
  const at = now.toISOString();
  return imapDb(db)
    .transaction()
    .execute(async (trx) => {
      const before = await trx.selectFrom('branch_imap_settings').selectAll().where('branch_id', '=', branchId).executeTakeFirst();
      const row = {
        branch_id: branchId,
        host: settings.host,
        port: settings.port,
        ssl: settings.ssl ? 1 : 0,
        starttls: settings.starttls ? 1 : 0,
        verify_certificates: settings.verifyCertificates ? 1 : 0,
        updated_by: actorUserId,
        updated_at: at,
      };
      await trx
        .insertInto('branch_imap_settings')
        .values(row)
        .onConflict((oc) => oc.column('branch_id').doUpdateSet({ ...row }))
        .execute();
      // Another server (or the same one reached another way) must not receive passwords entered for
      // the old one: every stored credential of the branch is forgotten, and agents authenticate again.
      let revoked: string[] = [];
      const previous = before && {
        host: before.host,
        port: before.port,
        ssl: before.ssl === 1,
        starttls: before.starttls === 1,
        verifyCertificates: before.verify_certificates === 1,
      };
      if (previous && !sameConnection(previous, settings)) {
        const accounts = await trx
          .selectFrom('imap_accounts')
          .innerJoin('users', 'users.id', 'imap_accounts.user_id')
          .select('imap_accounts.user_id')
          .where('users.branch_id', '=', branchId)
          .execute();
        revoked = accounts.map((a) => a.user_id);
        if (revoked.length) await trx.deleteFrom('imap_accounts').where('user_id', 'in', revoked).execute();
      }
      const view = (r: { host: string; port: number; ssl: number; starttls: number; verify_certificates: number } | undefined) =>
        r && { host: r.host, port: r.port, ssl: r.ssl === 1, tls: r.starttls === 1, allowInvalidCertificates: r.verify_certificates !== 1 };
      await trx
        .insertInto('audit_log')
        .values({
          id: randomUUID(),
          at,
          actor_user_id: actorUserId,
          branch_id: branchId,
          action: before ? 'imap-settings.update' : 'imap-settings.create',
          details: JSON.stringify({ before: view(before) ?? null, after: view(row), credentialsRevoked: revoked.length }),
        })
        .execute();
      return { branchId, ...settings, updatedBy: actorUserId, updatedAt: at, revokedUserIds: revoked };
    });
}

/**
 * Loads group cards and contacts from CSV into the embedded store:
 *
 *   branch,group_name,group_kind,contact_name,email
 *   Brightwells Estate Agents — Clifton,"14 Elm Road, Clifton, BS8 — Vendor",vendor,Sarah Whitfield,sarah@example.com;s.w@example.com
 *
 * Branches, groups (by branch + name + kind) and contacts (by group + name) are found or created, so
 * importing the same file twice changes nothing. Bad rows are skipped and reported with their line.
 *
 * Usage: npm run import:csv -- <file.csv> [--tenant <tenant id>]   (DATABASE_FILE / DATA_DIR as for the adapter)
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import { normaliseAddress } from '../../core/addresses';
import { analyzeDirectory } from '../directory/sqlite';
import { loadConfig } from '../config';
import { indexTenantGroupTerms } from '../directory/search-terms';
import { migrate, openStore } from '../store/db';
import { type Database, GROUP_KINDS, type GroupKind } from '../store/schema';

export interface ImportResult {
  rows: number;
  branchesCreated: number;
  groupsCreated: number;
  contactsCreated: number;
  addressesAdded: number;
  skipped: { line: number; reason: string }[];
}

const REQUIRED = ['branch', 'group_name', 'group_kind', 'contact_name', 'email'] as const;

/** Stable ids, so a re-import finds what the last one created. */
const idOf = (prefix: string, ...parts: string[]) => `${prefix}-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 20)}`;

export async function importCsv(db: Kysely<Database>, text: string, options: { tenantId: string }): Promise<ImportResult> {
  const result: ImportResult = { rows: 0, branchesCreated: 0, groupsCreated: 0, contactsCreated: 0, addressesAdded: 0, skipped: [] };
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: true,
    }) as Record<string, string>[];
  } catch (e) {
    throw new Error(`The CSV file could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (records.length > 0) {
    const missing = REQUIRED.filter((c) => !(c in records[0]));
    if (missing.length > 0) throw new Error(`The CSV file lacks the column(s) ${missing.join(', ')}. Expected: ${REQUIRED.join(', ')}.`);
  }

  await db.transaction().execute(async (trx) => {
    for (const [i, r] of records.entries()) {
      const line = i + 2; // header is line 1
      result.rows++;
      const branchName = r.branch ?? '';
      const groupName = r.group_name ?? '';
      const kind = (r.group_kind ?? '').toLowerCase() as GroupKind;
      const contactName = r.contact_name ?? '';
      if (!branchName || !groupName || !contactName) {
        result.skipped.push({ line, reason: 'branch, group_name and contact_name are required' });
        continue;
      }
      if (!GROUP_KINDS.includes(kind)) {
        result.skipped.push({ line, reason: `group_kind must be one of ${GROUP_KINDS.join(', ')}` });
        continue;
      }
      const raw = (r.email ?? '')
        .split(';')
        .map((e) => e.trim())
        .filter(Boolean);
      const emails = raw.map((e) => normaliseAddress(e));
      if (raw.length === 0 || emails.some((e) => !e)) {
        result.skipped.push({ line, reason: `not a valid email address: ${raw.find((_, j) => !emails[j]) ?? '(empty)'}` });
        continue;
      }

      let branch = await trx.selectFrom('branches').select('id').where('tenant_id', '=', options.tenantId).where('name', '=', branchName).executeTakeFirst();
      if (!branch) {
        branch = { id: idOf('branch', options.tenantId, branchName) };
        await trx.insertInto('branches').values({ id: branch.id, name: branchName, tenant_id: options.tenantId }).execute();
        result.branchesCreated++;
      }
      let group = await trx
        .selectFrom('groups')
        .select('id')
        .where('branch_id', '=', branch.id)
        .where('name', '=', groupName)
        .where('kind', '=', kind)
        .executeTakeFirst();
      if (!group) {
        group = { id: idOf('grp', branch.id, groupName, kind) };
        await trx.insertInto('groups').values({ id: group.id, branch_id: branch.id, name: groupName, kind, rezi_ref: null }).execute();
        result.groupsCreated++;
      }
      let contact = await trx.selectFrom('contacts').select('id').where('group_id', '=', group.id).where('name', '=', contactName).executeTakeFirst();
      if (!contact) {
        contact = { id: idOf('ct', group.id, contactName) };
        await trx.insertInto('contacts').values({ id: contact.id, group_id: group.id, name: contactName }).execute();
        result.contactsCreated++;
      }
      const rows = [...new Set(emails as string[])].map((address) => ({ contact_id: (contact as { id: string }).id, address }));
      const inserted = await trx
        .insertInto('contact_addresses')
        .values(rows)
        .onConflict((oc) => oc.columns(['contact_id', 'address']).doNothing())
        .executeTakeFirst();
      result.addressesAdded += Number(inserted.numInsertedOrUpdatedRows ?? 0);
    }
    await indexTenantGroupTerms(trx, options.tenantId);
  });
  // The filing lookup is planned from these statistics: gathered now, not when autovacuum next passes.
  await analyzeDirectory(db);
  return result;
}

export async function main(argv: string[]): Promise<number> {
  const args = argv.slice(2);
  const tenantAt = args.indexOf('--tenant');
  const tenant = tenantAt >= 0 ? args[tenantAt + 1] : undefined;
  const file = args.find((a, i) => !a.startsWith('--') && (tenantAt < 0 || i !== tenantAt + 1));
  if (!file) {
    process.stderr.write(
      'Usage: npm run import:csv -- <file.csv> [--tenant <tenant id>]\nColumns: branch, group_name, group_kind, contact_name, email (several separated by ;)\n',
    );
    return 2;
  }
  const config = loadConfig();
  const { LOCAL_DEMO_TENANT } = await import('../config');
  const db = openStore(config);
  try {
    await migrate(db);
    const r = await importCsv(db, fs.readFileSync(file, 'utf8'), { tenantId: tenant ?? config.auth.allowedTenants[0] ?? LOCAL_DEMO_TENANT });
    process.stdout.write(
      `Imported ${r.rows} rows into ${config.databaseUrl ? 'the PostgreSQL store' : config.databaseFile}: ${r.branchesCreated} branches, ${r.groupsCreated} groups, ${r.contactsCreated} contacts and ${r.addressesAdded} addresses added.\n`,
    );
    for (const s of r.skipped) process.stdout.write(`  line ${s.line} skipped: ${s.reason}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await db.destroy();
  }
}

if (typeof require !== 'undefined' && require.main === module) {
  void main(process.argv).then((code) => process.exit(code));
}

/**
 * A small, read-only Rezi timeline for local runs: the embedded store's groups, their contacts and
 * each group's timeline events, newest first, as plain HTML pages. It stands in for Rezi's own web
 * app so that the pane's group links (REZI_WEB_URL = `${adapter}/local/timeline/groups/`) lead
 * somewhere on a laptop. Registered only while the local issuer runs (app.ts): anyone who reaches
 * that issuer can mint tokens anyway, so these pages need no sign-in of their own and never exist
 * on a production adapter.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerContext } from '../context';

export const TIMELINE_PREFIX = '/local/timeline';

/** Inline styles only, and nothing else: no script, no frames, no forms. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const KIND: Record<string, string> = { vendor: 'Vendor', buyer: 'Buyer', landlord: 'Landlord', tenant: 'Tenant', applicant: 'Applicant' };

function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — Rezi timeline (local)</title>
<style>
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 'Segoe UI',system-ui,-apple-system,sans-serif;color:#242424;background:#f5f5f5}
header{background:#0f6cbd;color:#fff;padding:12px 24px;display:flex;gap:16px;align-items:baseline;flex-wrap:wrap}
header a{color:#fff}
header .brand{font-weight:600;font-size:16px}
header .note{font-size:12px;opacity:.95}
main{max-width:960px;margin:0 auto;padding:24px}
h1{font-size:20px;font-weight:600;margin:0 0 4px}
h2{font-size:16px;font-weight:600;margin:24px 0 8px}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.14),0 0 2px rgba(0,0,0,.12);padding:16px 20px;margin:0 0 12px}
.muted{color:#616161}
a{color:#0f6cbd}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #e0e0e0;vertical-align:top}
th{font-weight:600;color:#424242;background:#fafafa}
ol.timeline{list-style:none;margin:0;padding:0}
ol.timeline li{background:#fff;border-left:4px solid #0f6cbd;border-radius:4px;padding:10px 14px;margin:0 0 8px;box-shadow:0 1px 2px rgba(0,0,0,.12)}
ol.timeline li.sent{border-left-color:#107c10}
.badge{display:inline-block;font-size:12px;font-weight:600;border-radius:10px;padding:0 8px;margin-right:8px;background:#ebf3fc;color:#0c3b5e}
.badge.sent{background:#f1faf1;color:#0e4b0e}
.subject{font-weight:600}
</style>
</head>
<body>
<header><span class="brand">Rezi timeline</span><span class="note">Local view of the adapter's embedded store — read-only, for trying the add-in on a laptop.</span><nav aria-label="Timeline"><a href="${TIMELINE_PREFIX}">All groups</a></nav></header>
<main>${body}</main>
</body>
</html>`;
}

function sendPage(reply: FastifyReply, status: number, html: string) {
  return reply.code(status).header('content-security-policy', CSP).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

type Db = ServerContext['db'];

/** Every group card in the store, by branch, with its event count and latest event. */
async function allGroupsPage(db: Db): Promise<string> {
  const branches = await db.selectFrom('branches').select(['id', 'name']).orderBy('name').execute();
  const groups = await db
    .selectFrom('groups')
    .leftJoin('timeline_events', 'timeline_events.group_id', 'groups.id')
    .select((eb) => [
      'groups.id',
      'groups.name',
      'groups.kind',
      'groups.rezi_ref',
      'groups.branch_id',
      eb.fn.count<number>('timeline_events.id').as('events'),
      eb.fn.max('timeline_events.occurred_at').as('latest'),
    ])
    .groupBy(['groups.id', 'groups.name', 'groups.kind', 'groups.rezi_ref', 'groups.branch_id'])
    .orderBy('groups.id')
    .execute();
  const sections = branches
    .map((b) => {
      const rows = groups
        .filter((g) => g.branch_id === b.id)
        .map(
          (g) =>
            `<tr><td><a href="${TIMELINE_PREFIX}/groups/${encodeURIComponent(g.rezi_ref ?? g.id)}">${esc(g.name)}</a></td><td>${esc(KIND[g.kind] ?? g.kind)}</td><td>${Number(g.events)}</td><td>${g.latest ? esc(when(String(g.latest))) : '<span class="muted">none yet</span>'}</td></tr>`,
        )
        .join('');
      return `<h2>${esc(b.name)}</h2><table><caption class="muted" style="text-align:left;padding:4px 0">Group cards of this branch</caption><thead><tr><th scope="col">Group</th><th scope="col">Type</th><th scope="col">Events</th><th scope="col">Latest event</th></tr></thead><tbody>${rows}</tbody></table>`;
    })
    .join('');
  return page('All groups', `<h1>Groups</h1><p class="muted">Every group card in the embedded store, by branch. Open one to see its timeline.</p>${sections}`);
}

/** A group's contacts, each with their addresses, as list items. */
async function contactList(db: Db, groupId: string): Promise<string> {
  const contacts = await db
    .selectFrom('contacts')
    .leftJoin('contact_addresses', 'contact_addresses.contact_id', 'contacts.id')
    .select(['contacts.id', 'contacts.name', 'contact_addresses.address'])
    .where('contacts.group_id', '=', groupId)
    .orderBy('contacts.id')
    .execute();
  const byContact = new Map<string, { name: string; addresses: string[] }>();
  for (const c of contacts) {
    const entry = byContact.get(c.id) ?? { name: c.name, addresses: [] };
    if (c.address) entry.addresses.push(c.address);
    byContact.set(c.id, entry);
  }
  return [...byContact.values()]
    .map((c) => `<li>${esc(c.name)}${c.addresses.length ? ` — <span class="muted">${c.addresses.map(esc).join(', ')}</span>` : ''}</li>`)
    .join('');
}

/** A group's timeline events, newest first. */
async function timelineOf(db: Db, groupId: string): Promise<string> {
  const events = await db
    .selectFrom('timeline_events')
    .leftJoin('users', 'users.id', 'timeline_events.owner_user_id')
    .select([
      'timeline_events.id',
      'timeline_events.subject',
      'timeline_events.direction',
      'timeline_events.occurred_at',
      'timeline_events.created_at',
      'users.name as owner',
    ])
    .where('timeline_events.group_id', '=', groupId)
    .orderBy('timeline_events.occurred_at', 'desc')
    .orderBy('timeline_events.created_at', 'desc')
    .execute();
  if (events.length === 0) return '<p class="muted">No events yet. Sync a mail to or from one of these contacts and it appears here.</p>';
  return `<ol class="timeline" aria-label="Timeline events, newest first">${events
    .map((e) => {
      const sent = e.direction === 'outbound';
      return `<li class="${sent ? 'sent' : 'received'}"><span class="badge${sent ? ' sent' : ''}">${sent ? 'Email sent' : 'Email received'}</span><span class="subject">${esc(e.subject || '(no subject)')}</span><div class="muted">${esc(when(e.occurred_at))}${e.owner ? ` · filed by ${esc(e.owner)}` : ''} · recorded ${esc(when(e.created_at))}</div></li>`;
    })
    .join('')}</ol>`;
}

/** One group's card (by Rezi reference or id) and its timeline; a 404 page when there is none. */
async function groupPage(db: Db, ref: string): Promise<{ status: number; html: string }> {
  const group = await db
    .selectFrom('groups')
    .innerJoin('branches', 'branches.id', 'groups.branch_id')
    .select(['groups.id', 'groups.name', 'groups.kind', 'groups.rezi_ref', 'branches.name as branch'])
    .where((eb) => eb.or([eb('groups.rezi_ref', '=', ref), eb('groups.id', '=', ref)]))
    .executeTakeFirst();
  if (!group) {
    const body = `<h1>Group not found</h1><p>No group card has the reference “${esc(ref)}”. <a href="${TIMELINE_PREFIX}">See all groups</a>.</p>`;
    return { status: 404, html: page('Group not found', body) };
  }
  const [contacts, timeline] = [await contactList(db, group.id), await timelineOf(db, group.id)];
  return {
    status: 200,
    html: page(
      group.name,
      `<div class="card"><h1>${esc(group.name)}</h1><p class="muted">${esc(KIND[group.kind] ?? group.kind)} · ${esc(group.branch)} · reference ${esc(group.rezi_ref ?? group.id)}</p><h2>Contacts</h2><ul>${contacts}</ul></div><h2>Timeline</h2>${timeline}`,
    ),
  };
}

/** Hidden from the OpenAPI document: these pages are no part of the API, and exist on laptops only. */
export async function registerLocalTimeline(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  app.get(TIMELINE_PREFIX, { schema: { hide: true } }, async (_req, reply) => sendPage(reply, 200, await allGroupsPage(ctx.db)));
  app.get<{ Params: { ref: string } }>(`${TIMELINE_PREFIX}/groups/:ref`, { schema: { hide: true } }, async (req, reply) => {
    const { status, html } = await groupPage(ctx.db, req.params.ref);
    return sendPage(reply, status, html);
  });
}

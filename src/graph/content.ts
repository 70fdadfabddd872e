/**
 * A queued mail's content over Microsoft Graph, read only for mails that matched and only as far as
 * the branch's privacy level allows. Bodies come in $batch envelopes of 20 GETs of
 * /me/messages/{id}?$select=body,hasAttachments ("Get message", "Combine multiple HTTP requests using
 * JSON batching"); at the attachments level, the attachment lists come the same way with $select
 * leaving out contentBytes ("List attachments"), and each attachment that fits the per-mail limit is
 * read on its own from /attachments/{id}/$value ("Get attachment": the raw contents), so a large file
 * never sits inside a JSON envelope. Every request goes through the mailbox's one request budget.
 * A body that came with its mail's move into Queue (body-cache.ts) is not asked for again.
 */
import { causeOfStatus } from '../core/http-status';
import { allows, type ContentLimits, type ContentResult, type LeftOutAttachment, type MailAttachment, type PrivacyLevel } from '../core/content';
import type { BatchSubResponse } from './move-dispatcher';

/** Graph's limit of requests per $batch. */
const PER_BATCH = 20;
export const CONTENT_SELECT = 'body,hasAttachments';
export const ATTACHMENT_SELECT = 'id,name,contentType,size,isInline,contentId';

export interface SubRequest {
  id: string;
  method: 'GET';
  url: string;
  headers: Record<string, string>;
  dependsOn?: string[];
}

export interface GraphContentDeps {
  /** One $batch within the mailbox's budget (retried as a whole on 429/503/504). */
  batch(requests: SubRequest[], signal?: AbortSignal): Promise<BatchSubResponse[]>;
  /** The raw bytes at a path (an attachment's /$value). */
  value(path: string, signal?: AbortSignal): Promise<ArrayBuffer>;
  prefer: string;
  /** Waits before sending sub-requests Graph answered 429/503/504 again (their Retry-After, else a backoff). */
  pause(attempt: number, retryAfter: string | undefined, signal?: AbortSignal): Promise<void>;
  maxAttempts: number;
  /** Whose mail: '/me', or '/users/{address}' for a shared mailbox. */
  mailboxPath?: string;
  /** A body already at hand (from the answer of its move into Queue): then no GET is sent for it. */
  cached?: (id: string) => GraphBody | undefined;
}

const RETRYABLE = new Set([429, 503, 504]);

export interface GraphBody {
  body?: { contentType?: string; content?: string };
  hasAttachments?: boolean;
}

interface GraphAttachment {
  '@odata.type'?: string;
  id: string;
  name?: string;
  contentType?: string;
  size?: number;
  isInline?: boolean;
  contentId?: string | null;
}

const failure = (id: string, r: BatchSubResponse | undefined): ContentResult => {
  const status = r?.status ?? 0;
  const said = r?.body?.error?.message;
  return {
    id,
    ok: false,
    cause: status === 404 ? 'message-gone' : causeOfStatus('graph', status),
    message: `Its content could not be read: Microsoft 365 answered ${status || 'nothing'}${said ? ` (${said})` : ''}.`,
  };
};

/**
 * GETs of `urlOf(id)` for every id, in $batch envelopes of 20, each a serial chain (every GET
 * dependsOn the one before, as the move dispatcher's moves do): Graph runs a chain one sub-request
 * at a time, so an envelope holds one of the mailbox's 4 concurrent-request slots and the mailbox's
 * limiter, which the moves share, paces envelopes by the slot. A parallel envelope would run 4 GETs
 * at once against those same slots and earn 429s (measured: test/bench/content.bench.ts). The
 * envelopes go at once (the limiter holds back what has no slot). A GET that follows a failed one
 * answers 424 (not run): it goes again at once without counting an attempt; GETs Graph throttled go
 * again after their Retry-After.
 */
async function getAll(
  deps: GraphContentDeps,
  ids: readonly string[],
  urlOf: (id: string) => string,
  signal?: AbortSignal,
): Promise<Map<string, BatchSubResponse>> {
  const out = new Map<string, BatchSubResponse>();
  let pending = [...ids];
  for (let attempt = 1; pending.length > 0;) {
    const chunks: string[][] = [];
    for (let i = 0; i < pending.length; i += PER_BATCH) chunks.push(pending.slice(i, i + PER_BATCH));
    const answers = await Promise.all(chunks.map((chunk) => deps.batch(chainOf(deps, chunk, urlOf), signal)));
    const again: string[] = [];
    const notRun: string[] = [];
    let retryAfter: string | undefined;
    chunks.forEach((chunk, c) => {
      const byId = new Map(answers[c].map((r) => [String(r.id), r]));
      chunk.forEach((id, i) => {
        const r = byId.get(String(i + 1));
        if (r?.status === 424 && i > 0) return void notRun.push(id);
        if (r) out.set(id, r);
        if (r && RETRYABLE.has(r.status) && attempt < deps.maxAttempts) {
          again.push(id);
          retryAfter ??= r.headers?.['Retry-After'] ?? r.headers?.['retry-after'];
        }
      });
    });
    if (again.length > 0) {
      await deps.pause(attempt, retryAfter, signal);
      attempt++;
    }
    pending = [...notRun, ...again];
  }
  return out;
}

/** One envelope's GETs as a serial chain: ids "1".."n", each dependsOn the one before. */
const chainOf = (deps: GraphContentDeps, chunk: readonly string[], urlOf: (id: string) => string): SubRequest[] =>
  chunk.map((id, i) => ({
    id: String(i + 1),
    method: 'GET',
    url: urlOf(id),
    headers: { Prefer: deps.prefer },
    ...(i > 0 ? { dependsOn: [String(i)] } : {}),
  }));

export async function readGraphContent(
  deps: GraphContentDeps,
  ids: readonly string[],
  level: PrivacyLevel,
  limits: ContentLimits,
  signal?: AbortSignal,
): Promise<ContentResult[]> {
  const path = (id: string) => `${deps.mailboxPath ?? '/me'}/messages/${encodeURIComponent(id)}`;
  const bodies = new Map<string, BatchSubResponse>();
  const toGet: string[] = [];
  for (const id of ids) {
    const cached = deps.cached?.(id);
    if (cached) bodies.set(id, { id, status: 200, body: { ...cached } });
    else toGet.push(id);
  }
  for (const [id, r] of await getAll(deps, toGet, (id) => `${path(id)}?$select=${CONTENT_SELECT}`, signal)) bodies.set(id, r);
  // Below the attachments level not even the list is asked for: nothing of the files leaves the mailbox.
  const withFiles = ids.filter(
    (id) => allows(level, 'attachments') && bodies.get(id)?.status === 200 && (bodies.get(id)?.body as GraphBody | undefined)?.hasAttachments,
  );
  const lists =
    withFiles.length > 0
      ? await getAll(deps, withFiles, (id) => `${path(id)}/attachments?$select=${ATTACHMENT_SELECT}`, signal)
      : new Map<string, BatchSubResponse>();
  const results: ContentResult[] = [];
  for (const id of ids) {
    const r = bodies.get(id);
    if (r?.status !== 200) {
      results.push(failure(id, r));
      continue;
    }
    const body = (r.body as GraphBody).body ?? {};
    const html = body.contentType?.toLowerCase() === 'html' ? (body.content ?? '') : undefined;
    const text = html === undefined ? (body.content ?? '') : '';
    const list = lists.get(id);
    if (list && list.status !== 200) {
      results.push(failure(id, list));
      continue;
    }
    const found = ((list?.body as { value?: GraphAttachment[] } | undefined)?.value ?? []) as GraphAttachment[];
    const { attachments, leftOut } = await readAttachments(deps, path(id), found, level, limits, signal);
    results.push({ id, ok: true, content: { level, preview: '', text, ...(html !== undefined ? { html } : {}), attachments, leftOut } });
  }
  return results;
}

async function readAttachments(
  deps: GraphContentDeps,
  messagePath: string,
  found: readonly GraphAttachment[],
  level: PrivacyLevel,
  limits: ContentLimits,
  signal?: AbortSignal,
) {
  const attachments: MailAttachment[] = [];
  const leftOut: LeftOutAttachment[] = [];
  let left = limits.maxBytes;
  for (const a of found) {
    const entry = { name: a.name ?? '', type: (a.contentType ?? 'application/octet-stream').toLowerCase(), size: Math.max(0, a.size ?? 0) };
    if (!allows(level, 'attachments')) leftOut.push({ ...entry, reason: 'The branch keeps no attachments on the timeline.' });
    else if (a['@odata.type'] && a['@odata.type'] !== '#microsoft.graph.fileAttachment')
      leftOut.push({ ...entry, reason: 'Not a file (an attached Outlook item or a link to a shared file).' });
    else if (entry.size > left) leftOut.push({ ...entry, reason: 'Past the size kept per mail.' });
    else {
      const content = new Uint8Array(await deps.value(`${messagePath}/attachments/${encodeURIComponent(a.id)}/$value`, signal));
      left -= content.length;
      attachments.push({ ...entry, size: content.length, inline: a.isInline === true, ...(a.contentId ? { contentId: a.contentId } : {}), content });
    }
  }
  return { attachments, leftOut };
}

/**
 * What changed in Queue since the last look: a Graph delta query on the folder's messages
 * (GET /me/mailFolders/{id}/messages/delta) — "message: delta" and "Use delta query to track changes
 * in Microsoft Graph data" on Microsoft Learn. Pages are followed by @odata.nextLink to the round's
 * @odata.deltaLink, which is kept for the next poll. A sync state Graph no longer knows (410, or a
 * 400 on the token) starts a full round again: that round reports every mail in Queue as added.
 */
export interface QueueDelta {
  /** Messages that entered Queue (or were in it, on a first round). */
  added: number;
  deltaLink: string;
}

const MAX_PAGES = 1000;

export async function queueDelta(options: {
  baseUrl: string;
  queueId: string;
  accessToken: string;
  deltaLink?: string;
  signal?: AbortSignal;
}): Promise<QueueDelta> {
  const first = `${options.baseUrl.replace(/\/+$/, '')}/me/mailFolders/${encodeURIComponent(options.queueId)}/messages/delta?$select=id`;
  let url = options.deltaLink ?? first;
  let added = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${options.accessToken}`, prefer: 'IdType="ImmutableId", odata.maxpagesize=200' },
      signal: options.signal,
    });
    if ((res.status === 410 || res.status === 400) && url !== first && page === 0) {
      await res.body?.cancel();
      url = first;
      continue;
    }
    if (!res.ok) throw new Error(`Graph answered ${res.status} to the Queue delta query.`);
    const body = (await res.json()) as { value?: Record<string, unknown>[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
    added += (body.value ?? []).filter((m) => !m['@removed']).length;
    if (body['@odata.deltaLink']) return { added, deltaLink: body['@odata.deltaLink'] };
    if (!body['@odata.nextLink']) throw new Error('Graph ended a delta round with neither a nextLink nor a deltaLink.');
    url = body['@odata.nextLink'];
  }
  throw new Error('The Queue delta query did not end.');
}

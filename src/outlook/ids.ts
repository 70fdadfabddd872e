/**
 * Office.js item ids → Graph (REST) ids. Outlook desktop and web hand out EWS-format ids; Outlook
 * mobile already uses REST ids. convertToRestId gives a REST id that Graph accepts for a move; the
 * move answer (with Prefer: IdType="ImmutableId") then carries the immutable id.
 */

/** EWS ids are standard base64; REST ids are URL-safe base64, so a '-' or '_' marks a REST id. */
export function looksLikeRestId(id: string): boolean {
  return /[-_]/.test(id);
}

export function toRestId(itemId: string, office: typeof Office | undefined = globalThis.Office): string {
  const mailbox = office?.context?.mailbox;
  if (!mailbox || typeof mailbox.convertToRestId !== 'function') return itemId;
  // Mobile hosts already give REST ids; converting those again would corrupt them.
  const platform = String(office.context.diagnostics?.platform ?? '');
  if (platform === 'iOS' || platform === 'Android' || looksLikeRestId(itemId)) return itemId;
  // Without '+', '/', '-' or '_' both encodings coincide, so converting is harmless.
  return mailbox.convertToRestId(itemId, office.MailboxEnums.RestVersion.v2_0);
}

export function toRestIds(itemIds: readonly string[], office: typeof Office | undefined = globalThis.Office): string[] {
  return itemIds.map((id) => toRestId(id, office));
}

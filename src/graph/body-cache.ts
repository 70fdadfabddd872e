/**
 * Bodies that came with the answers of moves into Queue: "message: move" answers 201 with the moved
 * message, and a message's default properties include body and hasAttachments ("message resource
 * type"). Kept a while, so that reading a matched mail's content right after it was filed needs no
 * GET of its own. Bounded by the characters kept (the oldest go first); a body not here is read
 * with a GET as before. Nothing here goes anywhere: a body is only handed to the content reader,
 * which asks only for the mails that matched at a level that keeps bodies.
 */

/** Characters of bodies kept at most (about 8 MB of text). */
export const BODY_CACHE_MAX_CHARS = 8 * 1024 * 1024;

export interface CachedBody {
  body: { contentType?: string; content?: string };
  hasAttachments?: boolean;
}

const sizeOf = (entry: CachedBody) => entry.body.content?.length ?? 0;

export class BodyCache {
  private readonly kept = new Map<string, CachedBody>();
  private chars = 0;

  constructor(private readonly maxChars = BODY_CACHE_MAX_CHARS) {}

  /** Keeps a mail's body by its (immutable) id, pushing out the oldest past the bound. */
  keep(id: string, entry: CachedBody): void {
    this.take(id);
    if (sizeOf(entry) > this.maxChars) return;
    this.kept.set(id, entry);
    this.chars += sizeOf(entry);
    for (const [oldest, e] of this.kept) {
      if (this.chars <= this.maxChars) break;
      this.kept.delete(oldest);
      this.chars -= sizeOf(e);
    }
  }

  /** The body kept for an id, given once: it is forgotten as it is handed over. */
  take(id: string): CachedBody | undefined {
    const entry = this.kept.get(id);
    if (entry === undefined) return undefined;
    this.kept.delete(id);
    this.chars -= sizeOf(entry);
    return entry;
  }

  get size(): number {
    return this.kept.size;
  }
}

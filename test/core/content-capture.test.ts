import { SyncError } from '../../src/core/causes';
import type { ContentItem, ContentLimits, ContentResult, PrivacyLevel } from '../../src/core/content';
import { allows, safeAttachmentName } from '../../src/core/content';
import { syncQueue } from '../../src/core/engine';
import type { FilingContext, FilingMessage, FilingOutcome, FolderRole, MoveResult } from '../../src/core/ports';
import { MemoryDirectory, MemoryMailbox, mail } from '../support/memory';

const OWNER = { addresses: ['agent@brightwells.co.uk'] };
const GROUPS = [{ id: 'g1', name: '14 Elm Road', addresses: ['sarah@gmail.com'] }];

/** A mailbox whose mails have bodies; it records which ids it was asked about, at which level, and where they were. */
class ContentMailbox extends MemoryMailbox {
  asked: { ids: string[]; level: PrivacyLevel; inQueue: boolean[]; limits: ContentLimits }[] = [];
  failWith?: Error;
  async readContent(ids: readonly string[], level: PrivacyLevel, limits: ContentLimits): Promise<ContentResult[]> {
    this.asked.push({ ids: [...ids], level, limits, inQueue: ids.map((id) => this.mails.get(id)?.place === 'queue') });
    if (this.failWith) throw this.failWith;
    return ids.map((id) =>
      id.endsWith('2')
        ? { id, ok: false, cause: 'unknown', message: 'The mail’s MIME structure is broken.' }
        : { id, ok: true, content: { level, preview: '', text: `Body of ${id}`, attachments: [], leftOut: [] } },
    );
  }
}

class ContentDirectory extends MemoryDirectory {
  attached: ContentItem[] = [];
  failAttach = false;
  constructor(private readonly level: PrivacyLevel) {
    super(GROUPS);
  }
  override async file(messages: readonly FilingMessage[], context: FilingContext): Promise<FilingOutcome[]> {
    return (await super.file(messages, context)).map((o) => (o.status === 'filed' ? { ...o, privacy: this.level } : o));
  }
  async attachContent(items: readonly ContentItem[]): Promise<void> {
    if (this.failAttach) throw new SyncError('server-unreachable', 'The store did not answer.');
    this.attached.push(...items);
  }
}

function seed(mb: MemoryMailbox): void {
  mb.add('queue', mail('sarah@gmail.com', 'agent@brightwells.co.uk', '<a@x>'));
  mb.add('queue', mail('sarah@gmail.com', 'agent@brightwells.co.uk', '<b@x>'));
  mb.add('queue', mail('stranger@nowhere.example', 'agent@brightwells.co.uk', '<c@x>'));
}

describe('content capture in the engine', () => {
  it('reads the matched mails only, while they are still in Queue, and attaches what it read to their events', async () => {
    const mb = new ContentMailbox();
    seed(mb);
    const dir = new ContentDirectory('body');
    const report = await syncQueue(mb, dir, { owner: OWNER, contentLimits: { maxBytes: 1234 } });
    expect(mb.asked).toEqual([{ ids: ['m1', 'm2'], level: 'body', inQueue: [true, true], limits: { maxBytes: 1234 } }]);
    expect(dir.attached.map((i) => [i.internetMessageId, i.ok, i.eventIds])).toEqual([
      ['<a@x>', true, ['e1']],
      ['<b@x>', false, ['e2']],
    ]);
    // The preview from the listing fills in what the read left empty.
    expect(dir.attached[0].ok && dir.attached[0].content.preview).toBe('Hello');
    // A mail whose content could not be read is filed and moved all the same, and says why.
    expect(report).toMatchObject({ received: 2, failed: 1, pending: 0 });
    expect(report.results.find((r) => r.id === 'm2')?.contentMissing).toBe('The mail’s MIME structure is broken.');
    expect(report.results.find((r) => r.id === 'm1')?.contentMissing).toBeUndefined();
  });

  it('reads nothing at the metadata level, and nothing from the mailbox at the preview level', async () => {
    const quiet = new ContentMailbox();
    seed(quiet);
    const none = new ContentDirectory('metadata');
    await syncQueue(quiet, none, { owner: OWNER });
    expect(quiet.asked).toEqual([]);
    expect(none.attached).toEqual([]);

    const preview = new ContentMailbox();
    seed(preview);
    const dir = new ContentDirectory('preview');
    await syncQueue(preview, dir, { owner: OWNER });
    expect(preview.asked).toEqual([]);
    expect(dir.attached.map((i) => i.ok && [i.content.level, i.content.preview, i.content.text])).toEqual([
      ['preview', 'Hello', ''],
      ['preview', 'Hello', ''],
    ]);
  });

  it('a mailbox that throws, or a store that refuses, costs the content only: every mail still moves', async () => {
    const mb = new ContentMailbox();
    seed(mb);
    mb.failWith = new SyncError('server-unreachable', 'The mail server stopped answering.');
    const dir = new ContentDirectory('attachments');
    const report = await syncQueue(mb, dir, { owner: OWNER });
    expect(report).toMatchObject({ received: 2, failed: 1, pending: 0 });
    expect(dir.attached.every((i) => !i.ok)).toBe(true);
    expect(report.results.find((r) => r.id === 'm1')?.contentMissing).toMatch(/could not be read: The mail server stopped answering/);

    const mb2 = new ContentMailbox();
    seed(mb2);
    const refusing = new ContentDirectory('body');
    refusing.failAttach = true;
    const second = await syncQueue(mb2, refusing, { owner: OWNER });
    expect(second).toMatchObject({ received: 2, failed: 1, pending: 0 });
    expect(second.results.find((r) => r.id === 'm1')?.contentMissing).toMatch(/could not be stored: The store did not answer/);
    expect(mb2.in('queue')).toHaveLength(0);
  });
});

/**
 * A mailbox whose ids survive moves (as Graph's immutable ids do): its reads wait a moment for the
 * moves out to begin, and record whether they had.
 */
class ImmutableIdMailbox extends ContentMailbox {
  readonly readsContentAfterMove = true;
  movedOutBeforeRead: boolean[] = [];
  private movedOut!: () => void;
  private readonly movingOut = new Promise<void>((resolve) => (this.movedOut = resolve));
  override async move(ids: readonly string[], to: FolderRole): Promise<MoveResult[]> {
    if (to !== 'queue') this.movedOut();
    return super.move(ids, to);
  }
  override async readContent(ids: readonly string[], level: PrivacyLevel, limits: ContentLimits): Promise<ContentResult[]> {
    // Long enough for moves that were going to start at once to have started; no result depends on it.
    await Promise.race([this.movingOut, new Promise((r) => setTimeout(r, 300))]);
    this.movedOutBeforeRead.push(this.calls.some((c) => c.startsWith('move:received')));
    return super.readContent(ids, level, limits);
  }
}

describe('content capture while the mails move out', () => {
  it('a mailbox whose ids survive moves has the content read while its mails move out, and each says whether its content is missing', async () => {
    const mb = new ImmutableIdMailbox();
    seed(mb);
    const dir = new ContentDirectory('body');
    const progress: (string | undefined)[] = [];
    const report = await syncQueue(mb, dir, { owner: OWNER, onProgress: (p) => p.result && progress.push(p.result.contentMissing ?? 'kept') });
    // The moves did not wait for the read (before, the read came first and these were false).
    expect(mb.movedOutBeforeRead).toEqual([true]);
    expect(mb.asked.map((a) => a.ids)).toEqual([['m1', 'm2']]);
    // Nothing is lost: both moved, the unreadable one says so, and no mail settled before its read.
    expect(report).toMatchObject({ received: 2, failed: 1, pending: 0 });
    expect(report.results.find((r) => r.id === 'm2')?.contentMissing).toBe('The mail’s MIME structure is broken.');
    expect(report.results.find((r) => r.id === 'm1')?.contentMissing).toBeUndefined();
    expect(progress.filter((p) => p !== 'kept')).toEqual(['The mail’s MIME structure is broken.']);
    expect(dir.attached.map((i) => [i.internetMessageId, i.ok])).toEqual([
      ['<a@x>', true],
      ['<b@x>', false],
    ]);
  });

  it('a read that throws while the mails move out costs the content only', async () => {
    const mb = new ImmutableIdMailbox();
    seed(mb);
    mb.failWith = new SyncError('server-unreachable', 'The mail server stopped answering.');
    const report = await syncQueue(mb, new ContentDirectory('body'), { owner: OWNER });
    expect(report).toMatchObject({ received: 2, failed: 1, pending: 0 });
    expect(report.results.filter((r) => r.contentMissing).map((r) => r.id)).toEqual(['m1', 'm2']);
    expect(mb.in('queue')).toHaveLength(0);
  });

  it('a mailbox whose ids do not survive moves is read first, and only then are its mails moved', async () => {
    const mb = new ImmutableIdMailbox();
    Object.defineProperty(mb, 'readsContentAfterMove', { value: false });
    seed(mb);
    await syncQueue(mb, new ContentDirectory('body'), { owner: OWNER });
    expect(mb.movedOutBeforeRead).toEqual([false]);
    expect(mb.asked[0].inQueue).toEqual([true, true]);
  });
});

describe('content helpers', () => {
  it('orders the privacy levels', () => {
    expect(allows('attachments', 'body')).toBe(true);
    expect(allows('body', 'attachments')).toBe(false);
    expect(allows('preview', 'preview')).toBe(true);
    expect(allows('metadata', 'preview')).toBe(false);
  });

  it('keeps attachment names to a last path part without control characters', () => {
    expect(safeAttachmentName('../../etc/passwd')).toBe('passwd');
    expect(safeAttachmentName('C:\\Users\\x\\report.pdf')).toBe('report.pdf');
    expect(safeAttachmentName('..')).toBe('attachment');
    expect(safeAttachmentName('')).toBe('attachment');
    expect(safeAttachmentName(undefined)).toBe('attachment');
    expect(safeAttachmentName('a\u0000b\r\n.txt')).toBe('ab.txt');
    expect(safeAttachmentName('x'.repeat(1000))).toHaveLength(255);
  });
});

/**
 * Fixing and undoing over IMAP, where the adapter holds the mailbox: the Failed mails as the server
 * has them now; filing a Failed mail onto chosen cards (manual-filing.ts, as on Office 365) and
 * moving it to Sent or Received; undoing a filing and moving the mail back to INBOX. Each runs under
 * the account's sync lease (ImapService.byHand) and finds the mail by Message-ID, wherever the
 * last attempt left it, so asking again after a dropped connection finishes the job without
 * filing or copying twice.
 */
import type { FileToGroupsResult, ImapFailedList, ImapFixBody, ImapUnfileBody, UnfileResult } from '../../core/api';
import { directionOf } from '../../core/direction';
import { MAX_FAILED_LISTED } from '../../core/contract/imap';
import { FOLDER_NAMES, FOLDER_ROOT, type FolderRole, type MoveResult, type QueuedMessage } from '../../core/ports';
import type { AuthUser, ServerContext } from '../context';
import { fileToGroups, unfile } from '../directory/manual-filing';
import { ApiHttpError } from '../errors';
import type { ImapService } from './service';

type Ctx = Pick<ServerContext, 'db' | 'clock' | 'config'>;

/** RFC 3501 §5.1: INBOX is the same name on every server, whatever its namespace or delimiter. */
const INBOX = 'INBOX';

const addresses = (list: QueuedMessage['from']) => list.map((a) => ({ address: a.address, name: a.name }));

export async function failedMails(service: ImapService, user: AuthUser): Promise<ImapFailedList> {
  return service.byHand(user, async ({ mailbox, folders, owner }) => {
    const { mails, total } = await mailbox.newestIn(folders.failed, MAX_FAILED_LISTED);
    const queue = await mailbox.client.status(folders.queue, { messages: true });
    return {
      mails: mails.map((m) => ({
        internetMessageId: m.internetMessageId,
        subject: m.subject,
        from: addresses(m.from),
        date: m.date,
        direction: directionOf(m.from, { addresses: owner }),
      })),
      counts: { queue: (queue && queue.messages) || 0, failed: total },
    };
  });
}

function notFound(where: string): ApiHttpError {
  return new ApiHttpError(
    404,
    'imap-mail-not-found',
    `There is no mail with that Message-ID in ${where} on your mail server: it may have been moved or deleted in your mail client. Refresh the list and try again.`,
    { cause: 'message-gone' },
  );
}

function checkMoved(results: MoveResult[], done: string, where: string): void {
  const refused = results.find((r) => !r.ok);
  if (!refused || refused.ok) return;
  throw new ApiHttpError(
    502,
    'imap-move-refused',
    `${done}, but your mail server would not move the mail to ${where}. Try again: nothing will be filed, undone or copied twice.`,
    { cause: refused.cause },
  );
}

const folderName = (role: FolderRole) => `${FOLDER_ROOT} › ${FOLDER_NAMES[role]}`;

/**
 * Files the Failed mail, then moves it to Sent or Received by its direction. Found in Sent or
 * Received instead (an earlier attempt moved it): filed again, which answers the same events.
 */
export async function fixImapMail(ctx: Ctx, service: ImapService, user: AuthUser, body: ImapFixBody): Promise<FileToGroupsResult> {
  const messageId = body.internetMessageId.trim();
  return service.byHand(user, async ({ mailbox, folders, owner, lease }) => {
    const inFailed = await mailbox.findByMessageId(folders.failed, messageId);
    let mail = inFailed[0];
    for (const role of ['sent', 'received'] as const) mail ??= (await mailbox.findByMessageId(folders[role], messageId))[0];
    if (!mail) throw notFound(`${folderName('failed')} (nor in Sent or Received)`);
    const direction = directionOf(mail.from, { addresses: owner });
    const message = {
      internetMessageId: mail.internetMessageId,
      from: addresses(mail.from),
      to: addresses(mail.to),
      cc: addresses(mail.cc),
      date: mail.date,
      subject: mail.subject,
      preview: mail.preview,
      direction,
    };
    await lease.assertHeld();
    const remember = body.remember ? { remember: body.remember } : {};
    const answer = await fileToGroups(ctx, user, { ownerAddresses: owner, message, groupIds: body.groupIds, ...remember }, 'imap');
    if (inFailed.length > 0 && (answer.moveTo === 'sent' || answer.moveTo === 'received')) {
      // Failed is still the selected folder: found there, nowhere else was looked at.
      const moved = await mailbox.moveBetween(
        inFailed.map((m) => m.id),
        folders.failed,
        folders[answer.moveTo],
      );
      checkMoved(moved, 'Filed in Rezi', folderName(answer.moveTo));
    }
    return answer;
  });
}

/** Undoes the caller's filing, then moves the mail from Sent or Received back to INBOX. Already in INBOX: the same answer. */
export async function unfileImapMail(ctx: Ctx, service: ImapService, user: AuthUser, body: ImapUnfileBody): Promise<UnfileResult> {
  const messageId = body.internetMessageId.trim();
  return service.byHand(user, async ({ mailbox, folders, lease }) => {
    const filed: { from: string; ids: string[] }[] = [];
    for (const role of ['sent', 'received'] as const) {
      const found = await mailbox.findByMessageId(folders[role], messageId);
      if (found.length > 0) filed.push({ from: folders[role], ids: found.map((m) => m.id) });
    }
    if (filed.length === 0 && (await mailbox.findByMessageId(INBOX, messageId)).length === 0)
      throw notFound(`${folderName('sent')}, ${folderName('received')} or your Inbox`);
    await lease.assertHeld();
    // Unfiled first: a mail back in the Inbox is never still on a timeline.
    const answer = await unfile(ctx, user, { internetMessageId: messageId, ...(body.groupIds ? { groupIds: body.groupIds } : {}) });
    for (const { from } of filed) {
      const again = await mailbox.findByMessageId(from, messageId);
      checkMoved(
        await mailbox.moveBetween(
          again.map((m) => m.id),
          from,
          INBOX,
        ),
        'Taken off the timeline in Rezi',
        'your Inbox',
      );
    }
    return answer;
  });
}

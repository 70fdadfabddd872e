/**
 * Fixing and undoing, IMAP path: the adapter holds the mailbox, so it files (or unfiles) and moves
 * the mail on the IMAP server in one call each; both answer the same when asked again. Mail is
 * named by Message-ID: an IMAP UID changes with the folder, so a sync result's Queue id means
 * nothing once the mail is in Failed or Sent.
 */
import type { AdapterClient } from '../client/adapter-client';
import type { SyncReport } from '../core/engine';
import type { FixMailAnswer, ImapFixMailApi } from './pane-port';

export interface ImapFixing {
  api: ImapFixMailApi;
  /** Learns the Message-IDs of a run's results, so Fix and Undo in its results list name the right mail. */
  learn(report: SyncReport): SyncReport;
}

/** Sync results kept for Fix and Undo: one run's list is at most RESULTS_KEPT (1,000) rows. */
const KEPT_IDS = 5000;

export function imapFixing(adapter: Pick<AdapterClient, 'searchGroups' | 'imapFailed' | 'imapFix' | 'imapUnfile'>): ImapFixing {
  const messageIds = new Map<string, string>();
  // The Failed list names its mails by Message-ID already; a run's results by their Queue id.
  const messageIdOf = (id: string) => messageIds.get(id) ?? id;
  const api: ImapFixMailApi = {
    searchGroups: (query, opts) => adapter.searchGroups({ query, limit: 20 }, { signal: opts?.signal }),
    failedMails: (opts) => adapter.imapFailed({ signal: opts?.signal }),
    async fixMail(req): Promise<FixMailAnswer> {
      const answer = await adapter.imapFix({
        internetMessageId: messageIdOf(req.id),
        groupIds: req.groupIds,
        ...(req.remember ? { remember: req.remember } : {}),
      });
      const outcome = answer.outcome;
      if (answer.moveTo !== 'sent' && answer.moveTo !== 'received')
        return { moveTo: 'failed', groups: [], message: outcome.message ?? 'Rezi could not file this mail onto those groups.' };
      const groups = outcome.status === 'filed' ? outcome.groups.map((g) => ({ groupId: g.groupId, name: g.name, link: g.link, eventId: g.eventId })) : [];
      return { moveTo: answer.moveTo, groups, ...(answer.remembered ? { remembered: answer.remembered } : {}) };
    },
    async unfileMail({ internetMessageId }) {
      await adapter.imapUnfile({ internetMessageId });
    },
  };
  return {
    api,
    learn(report) {
      for (const r of report.results) if (r.internetMessageId) messageIds.set(r.id, r.internetMessageId);
      // Oldest first out: a pane left open all week keeps the recent runs' ids only.
      for (const key of messageIds.keys()) {
        if (messageIds.size <= KEPT_IDS) break;
        messageIds.delete(key);
      }
      return report;
    },
  };
}

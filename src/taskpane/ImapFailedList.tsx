/** The IMAP path's Failed folder as the mail server has it now, each mail with "File to a group…", and the Queue and Failed counts. */
import { Button, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ImapFailedList as FailedList, ImapFailedMail } from '../core/api';
import type { MessageResult } from '../core/engine';
import { FOLDER_NAMES, FOLDER_ROOT } from '../core/ports';
import { toPaneError } from '../outlook/pane-error';
import type { FixMailAnswer, FixMailApi, ImapFixMailApi, PaneError } from '../outlook/pane-port';
import { ActionError } from './ActionError';
import { FixMailDialog } from './FixMailDialog';
import { useMailListStyles } from './GroupLinks';
import { plural } from './words';

const useStyles = makeStyles({
  subject: { fontWeight: tokens.fontWeightSemibold },
  muted: { color: tokens.colorNeutralForeground2 },
});

/** The IMAP fixing api, when the one in context is it (it also reads the Failed folder). */
export function imapFixingOf(api: FixMailApi | undefined): ImapFixMailApi | undefined {
  return api && typeof (api as Partial<ImapFixMailApi>).failedMails === 'function' ? (api as ImapFixMailApi) : undefined;
}

/** The same api, telling `changed` after each fix or undo that went through (the list and counts are then read again). */
export function notifying(api: ImapFixMailApi, onChange: () => void): ImapFixMailApi {
  // After the dialog has closed itself: the fixed mail's row (and its dialog) leaves the list on the next read.
  const changed = () => void setTimeout(onChange, 0);
  return {
    searchGroups: (query, opts) => api.searchGroups(query, opts),
    failedMails: (opts) => api.failedMails(opts),
    async fixMail(req) {
      const answer = await api.fixMail(req);
      if (answer.moveTo !== 'failed') changed();
      return answer;
    },
    async unfileMail(mail) {
      await api.unfileMail(mail);
      changed();
    },
  };
}

/** A Failed mail as FixMailDialog takes it: named by its Message-ID, which is how the adapter finds it on the server. */
function asResult(m: ImapFailedMail): MessageResult {
  return {
    id: m.internetMessageId,
    internetMessageId: m.internetMessageId,
    subject: m.subject,
    from: m.from,
    direction: m.direction,
    status: 'failed',
    groups: [],
  };
}

const subjectOf = (m: { subject: string }) => m.subject.trim() || '(no subject)';

function dateOf(iso: string): string {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? '' : d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
}

function useFailedList(api: ImapFixMailApi, refreshKey: number, paused: boolean) {
  const [list, setList] = useState<FailedList>();
  const [error, setError] = useState<PaneError>();
  const [loading, setLoading] = useState(false);
  const current = useRef<AbortController | undefined>(undefined);
  const load = useCallback(async () => {
    current.current?.abort();
    const controller = new AbortController();
    current.current = controller;
    setLoading(true);
    setError(undefined);
    try {
      const answer = await api.failedMails({ signal: controller.signal });
      if (!controller.signal.aborted) setList(answer);
    } catch (e) {
      if (!controller.signal.aborted) setError(toPaneError(e));
    } finally {
      if (current.current === controller) setLoading(false);
    }
  }, [api]);
  useEffect(() => {
    // Not while a sync runs: the adapter would only wait for it; the list is read once it ends.
    if (!paused) void load();
    return () => current.current?.abort();
  }, [load, refreshKey, paused]);
  return { list, error, loading, load };
}

function FailedRow({ mail, api, onFixed }: { mail: ImapFailedMail; api: FixMailApi; onFixed(answer: FixMailAnswer): void }) {
  const styles = { ...useMailListStyles(), ...useStyles() };
  const from = mail.from[0];
  return (
    <li className={styles.item} aria-label={subjectOf(mail)}>
      <Text className={styles.subject}>{subjectOf(mail)}</Text>
      <Text className={styles.muted}>{[from ? `From ${from.name || from.address}` : '', dateOf(mail.date)].filter(Boolean).join(' · ')}</Text>
      <div>
        <FixMailDialog result={asResult(mail)} api={api} onFixed={onFixed} />
      </div>
    </li>
  );
}

/** A mail filed from this list: it stays in place, saying where it went, until the next sync. */
function FixedRow({ subject, moveTo }: { subject: string; moveTo: 'sent' | 'received' }) {
  const styles = { ...useMailListStyles(), ...useStyles() };
  return (
    <li className={styles.item} aria-label={`${subject}: filed`}>
      <Text className={styles.subject}>{subject}</Text>
      <Text role="status">
        Filed. The mail is now in {FOLDER_ROOT} › {FOLDER_NAMES[moveTo]}.
      </Text>
    </li>
  );
}

export interface ImapFailedListProps {
  api: ImapFixMailApi;
  /** Read again whenever this changes (after a fix or an undo). */
  refreshKey: number;
  /** A sync is running: the list waits for it to end. */
  paused: boolean;
}

export function ImapFailedList({ api, refreshKey, paused }: ImapFailedListProps) {
  const styles = { ...useMailListStyles(), ...useStyles() };
  const { list, error, loading, load } = useFailedList(api, refreshKey, paused);
  // The row changes in the same render as its dialog closes (as the results list's do): a dialog
  // unmounted while it closes would leave the pane hidden from assistive technology.
  const [fixed, setFixed] = useState<Map<string, { subject: string; moveTo: 'sent' | 'received' }>>(new Map());
  useEffect(() => {
    if (paused) setFixed(new Map());
  }, [paused]);
  const onFixed = (m: ImapFailedMail, a: FixMailAnswer) => {
    if (a.moveTo === 'failed') return;
    const moveTo = a.moveTo;
    setFixed((before) => new Map(before).set(m.internetMessageId, { subject: subjectOf(m), moveTo }));
  };
  const waiting = list?.mails.filter((m) => !fixed.has(m.internetMessageId)) ?? [];
  const failedFolder = `${FOLDER_ROOT} › ${FOLDER_NAMES.failed}`;
  return (
    <section className={styles.root} aria-labelledby="imap-failed-heading">
      <h3 id="imap-failed-heading" style={{ margin: 0, fontSize: tokens.fontSizeBase300 }}>
        Mails in {failedFolder}
      </h3>
      {list && (
        <Text role="status">
          {plural(list.counts.queue, 'mail')} waiting in Queue, {plural(list.counts.failed, 'mail')} in Failed.
        </Text>
      )}
      {loading && !list && <Spinner size="tiny" label="Reading your Failed folder…" />}
      {error && (
        <>
          <ActionError error={error} />
          <div>
            <Button size="small" onClick={() => void load()}>
              Try again
            </Button>
          </div>
        </>
      )}
      {(waiting.length > 0 || fixed.size > 0) && (
        <ul className={styles.list} aria-label="Mails in Failed">
          {[...fixed].map(([id, f]) => (
            <FixedRow key={`fixed ${id}`} subject={f.subject} moveTo={f.moveTo} />
          ))}
          {waiting.map((m) => (
            <FailedRow key={m.internetMessageId} mail={m} api={api} onFixed={(a) => onFixed(m, a)} />
          ))}
        </ul>
      )}
      {list && waiting.length === 0 && (
        <Text className={styles.muted}>{fixed.size > 0 ? 'Nothing else is waiting in Failed.' : 'Nothing is waiting in Failed.'}</Text>
      )}
      {list && list.counts.failed > list.mails.length && (
        <Text className={styles.muted}>
          Showing the newest {list.mails.length} of {list.counts.failed}. File these first, or look in {failedFolder} in your mail client for the rest.
        </Text>
      )}
    </section>
  );
}

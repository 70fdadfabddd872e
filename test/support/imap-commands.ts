/**
 * IMAP commands sent, counted from the tests' side. Every command imapflow sends passes through its
 * `exec` (STARTTLS and LOGIN during connect included), so a spy on ImapFlow.prototype.exec tallies
 * them per client; a spy on ImapMailbox.open keeps each mailbox the adapter opens, so a test that
 * goes through the service or HTTP still reads the counts of the connection the sync used.
 *
 * Call it in the test (or in beforeEach) and `restore()` after: the spies are the test's, not the product's.
 */
import { ImapFlow } from 'imapflow';
import { ImapMailbox } from '../../src/server/imap/mailbox';

/** IMAP commands sent on a connection, by name ("UID FETCH", "UID MOVE", …). */
export type CommandCounts = Record<string, number>;

export interface ImapCommandCounter {
  /** The commands one client (e.g. `mailbox.client`) has sent so far. */
  of(client: ImapFlow): CommandCounts;
  /** The commands of the last mailbox ImapMailbox.open opened (the connection a sync used). */
  lastMailbox(): CommandCounts;
  restore(): void;
}

type Exec = (this: ImapFlow, command: string, ...rest: unknown[]) => Promise<unknown>;

export function countImapCommands(): ImapCommandCounter {
  const counts = new WeakMap<ImapFlow, CommandCounts>();
  const opened: ImapMailbox[] = [];
  const proto = ImapFlow.prototype as unknown as { exec: Exec };
  const exec = proto.exec;
  const execSpy = jest.spyOn(proto, 'exec').mockImplementation(function (this: ImapFlow, command, ...rest) {
    let tally = counts.get(this);
    if (!tally) counts.set(this, (tally = {}));
    tally[command] = (tally[command] ?? 0) + 1;
    return exec.call(this, command, ...rest);
  });
  const open = ImapMailbox.open.bind(ImapMailbox);
  const openSpy = jest.spyOn(ImapMailbox, 'open').mockImplementation(async (options) => {
    const mailbox = await open(options);
    opened.push(mailbox);
    return mailbox;
  });
  const of = (client: ImapFlow): CommandCounts => ({ ...counts.get(client) });
  return {
    of,
    lastMailbox() {
      const last = opened[opened.length - 1];
      if (!last) throw new Error('No IMAP mailbox was opened.');
      return of(last.client);
    },
    restore() {
      execSpy.mockRestore();
      openSpy.mockRestore();
    },
  };
}

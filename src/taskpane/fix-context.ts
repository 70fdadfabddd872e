/** Fixing and undoing, where the services offer them: the results list reads this rather than threading it through every view. */
import { createContext, useCallback, useContext, useMemo, useState } from 'react';
import type { MatchedGroup } from '../core/ports';
import type { FixMailApi } from '../outlook/pane-port';

export const FixingContext = createContext<FixMailApi | undefined>(undefined);

export const useFixing = (): FixMailApi | undefined => useContext(FixingContext);

/** Where a fix or an undo moved a mail (by its immutable id, the same in the results and the selection). */
export type MailChange = { id: string; moveTo: 'sent' | 'received'; groups: MatchedGroup[] } | { id: string; moveTo: 'inbox' };

interface FixChanges {
  changed(change: MailChange): void;
  latest: ReadonlyMap<string, MailChange>;
}

/** Told of each fix or undo: the status card's counts follow, and a results row of the same mail shows where it is now. */
export const FixChangedContext = createContext<FixChanges>({ changed: () => undefined, latest: new Map() });

export const useFixChanged = (): FixChanges['changed'] => useContext(FixChangedContext).changed;

/** The last fix or undo of this mail made anywhere in the pane, if any. */
export const useMailChange = (id: string): MailChange | undefined => useContext(FixChangedContext).latest.get(id);

/**
 * The pane's record of fixes and undos. It holds for one run's results (`run`, by identity): a
 * later run lists the mails afresh, and a mail undone and synced again must not show the undo.
 */
export function useFixChanges(run: object, onChange: () => void): FixChanges {
  const [kept, setKept] = useState<{ run: object; latest: ReadonlyMap<string, MailChange> }>({ run, latest: new Map() });
  const changed = useCallback(
    (change: MailChange) => {
      setKept((k) => ({ run, latest: new Map(k.run === run ? k.latest : []).set(change.id, change) }));
      onChange();
    },
    [run, onChange],
  );
  const latest = kept.run === run ? kept.latest : EMPTY;
  return useMemo(() => ({ changed, latest }), [changed, latest]);
}

const EMPTY: ReadonlyMap<string, MailChange> = new Map();

/** Outlook on a phone: dialogs (rendered outside the pane's main element) size their controls for touch too. */
export const TouchContext = createContext(false);

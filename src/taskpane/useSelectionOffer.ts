/** What the pane can offer for the mails selected in Outlook, looked up again whenever the selection changes. */
import { useEffect, useState } from 'react';
import { settle } from '../outlook/pane-error';
import type { FixMailApi, SelectionOffer } from '../outlook/pane-port';

const NONE: SelectionOffer = { kind: 'none' };

/**
 * `seq` counts Outlook's selection changes (and anything else after which the selected mails may be
 * elsewhere, such as a finished run); `enabled` is false until someone is signed in. A look-up that
 * fails offers nothing: the status card and the sync already explain a connection that does not work.
 */
export function useSelectionOffer(api: FixMailApi | undefined, seq: string, enabled: boolean): SelectionOffer {
  const [found, setFound] = useState<{ seq: string; offer: SelectionOffer }>({ seq: '', offer: NONE });
  useEffect(() => {
    const lookUp = api?.selectionOffer?.bind(api);
    if (!enabled || !lookUp) return;
    const abort = new AbortController();
    void settle(() => lookUp({ signal: abort.signal })).then((r) => {
      if (!abort.signal.aborted) setFound({ seq, offer: r.ok ? r.value : NONE });
    });
    return () => abort.abort();
  }, [api, seq, enabled]);
  // An answer about an earlier selection is never shown for this one.
  return enabled && found.seq === seq ? found.offer : NONE;
}

/** The group search as the agent types: debounced, the previous search cancelled, its error kept as a PaneError. */
import { useEffect, useState } from 'react';
import { toPaneError } from '../outlook/pane-error';
import type { FixMailApi, GroupCard, PaneError } from '../outlook/pane-port';

/** How long typing must pause before the search is sent. */
export const SEARCH_DEBOUNCE_MS = 300;
/** The adapter answers nothing shorter. */
export const MIN_QUERY = 2;

export interface GroupSearchState {
  searching: boolean;
  groups: GroupCard[];
  truncated: boolean;
  error?: PaneError;
}

const EMPTY: GroupSearchState = { searching: false, groups: [], truncated: false };

export function useGroupSearch(api: Pick<FixMailApi, 'searchGroups'>, query: string): GroupSearchState {
  const [state, setState] = useState<GroupSearchState>(EMPTY);
  const q = query.trim();
  useEffect(() => {
    if (q.length < MIN_QUERY) {
      setState(EMPTY);
      return;
    }
    const controller = new AbortController();
    setState((s) => ({ ...s, searching: true, error: undefined }));
    const timer = setTimeout(() => {
      api.searchGroups(q, { signal: controller.signal }).then(
        (r) => !controller.signal.aborted && setState({ searching: false, groups: r.groups, truncated: r.truncated }),
        (e: unknown) => !controller.signal.aborted && setState({ searching: false, groups: [], truncated: false, error: toPaneError(e) }),
      );
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, q]);
  return state;
}

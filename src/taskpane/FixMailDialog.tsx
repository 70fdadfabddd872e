/** "File to a group…" for a Failed mail: search the branch's cards, choose one or more, optionally remember the sender, then file. */
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  Field,
  SearchBox,
  Spinner,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useContext, useState } from 'react';
import type { MessageResult } from '../core/engine';
import { toPaneError } from '../outlook/pane-error';
import type { FixMailAnswer, FixMailApi, GroupCard, PaneError } from '../outlook/pane-port';
import { ActionError } from './ActionError';
import { TouchContext, useFixChanged } from './fix-context';
import { GroupChoices } from './GroupChoices';
import { RememberChoice } from './RememberChoice';
import { MIN_QUERY, useGroupSearch } from './useGroupSearch';

const useStyles = makeStyles({
  content: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalM },
  // Outlook on a phone: the dialog is outside the pane's main element, so its controls get the 44 px targets here.
  touch: {
    '& button, & [role="button"], & input, & select, & [role="checkbox"]': { minHeight: '44px', minWidth: '44px' },
    '& a': { display: 'inline-flex', alignItems: 'center', minHeight: '44px', minWidth: '44px' },
  },
});

export interface FixMailDialogProps {
  /** The Failed mail: a result of a run, or the mail selected in Outlook. */
  result: Pick<MessageResult, 'id' | 'from'>;
  api: FixMailApi;
  onFixed(answer: FixMailAnswer): void;
}

function searchNote(query: string, searching: boolean, found: number, truncated: boolean): string {
  if (query.trim().length < MIN_QUERY) return 'Type at least two letters of a name, address, postcode or contact.';
  if (searching) return 'Searching…';
  if (found === 0) return 'No groups match. Try part of the address, the postcode or a contact’s name.';
  return truncated ? `Showing the first ${found} groups. Type more to narrow the search.` : `${found === 1 ? '1 group' : `${found} groups`} found.`;
}

function useFixForm(api: FixMailApi, result: FixMailDialogProps['result'], onFixed: (a: FixMailAnswer) => void, close: () => void) {
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState<Map<string, GroupCard>>(new Map());
  const [remember, setRemember] = useState({ on: false, contactId: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PaneError>();
  const search = useGroupSearch(api, query);
  const changed = useFixChanged();
  const address = result.from[0]?.address ?? '';
  const toggle = (groupId: string, on: boolean) =>
    setChosen((m) => {
      const next = new Map(m);
      const card = search.groups.find((g) => g.groupId === groupId);
      if (on && card) next.set(groupId, card);
      else next.delete(groupId);
      return next;
    });
  const contacts = [...chosen.values()].flatMap((g) => g.contacts);
  const file = async () => {
    setBusy(true);
    setError(undefined);
    const keep = remember.on && address && contacts.some((c) => c.contactId === remember.contactId);
    try {
      const answer = await api.fixMail({
        id: result.id,
        groupIds: [...chosen.keys()],
        ...(keep ? { remember: { address, contactId: remember.contactId } } : {}),
      });
      if (answer.moveTo === 'failed') setError({ code: 'unknown', message: answer.message ?? 'Rezi could not file this mail onto those groups.' });
      else {
        close();
        onFixed(answer);
        changed({ id: result.id, moveTo: answer.moveTo, groups: answer.groups });
      }
    } catch (e) {
      setError(toPaneError(e));
    } finally {
      setBusy(false);
    }
  };
  return { query, setQuery, chosen, toggle, contacts, remember, setRemember, busy, error, search, address, file };
}

export function FixMailDialog({ result, api, onFixed }: FixMailDialogProps) {
  const styles = useStyles();
  const [open, setOpen] = useState(false);
  const touch = useContext(TouchContext);
  const f = useFixForm(api, result, onFixed, () => setOpen(false));
  return (
    <Dialog open={open} onOpenChange={(_, d) => setOpen(d.open)}>
      <DialogTrigger disableButtonEnhancement>
        <Button appearance="primary" size="small">
          File to a group…
        </Button>
      </DialogTrigger>
      <DialogSurface aria-describedby="fix-mail-note" className={touch ? styles.touch : undefined}>
        <DialogBody>
          <DialogTitle>File to a group</DialogTitle>
          <DialogContent className={styles.content}>
            <Field
              label="Search groups"
              hint={<span id="fix-mail-note">{searchNote(f.query, f.search.searching, f.search.groups.length, f.search.truncated)}</span>}
            >
              <SearchBox value={f.query} onChange={(_, d) => f.setQuery(d.value)} placeholder="Address, postcode or contact name" />
            </Field>
            {f.search.error && <ActionError error={f.search.error} />}
            <GroupChoices groups={f.search.groups} chosen={new Set(f.chosen.keys())} onToggle={f.toggle} />
            {f.address && (
              <RememberChoice
                address={f.address}
                contacts={f.contacts}
                remember={f.remember.on}
                contactId={f.remember.contactId}
                onChange={(on, contactId) => f.setRemember({ on, contactId })}
              />
            )}
            {f.busy && <Spinner size="tiny" label="Filing…" />}
            {f.error && <ActionError error={f.error} />}
            {f.chosen.size > 0 && <Text>{f.chosen.size === 1 ? '1 group chosen.' : `${f.chosen.size} groups chosen.`}</Text>}
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" disabled={f.chosen.size === 0 || f.busy} onClick={() => void f.file()}>
              File
            </Button>
            <DialogTrigger disableButtonEnhancement>
              <Button appearance="secondary">Cancel</Button>
            </DialogTrigger>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

/**
 * The mail selected in Outlook (the open mail on a phone), when it is in Rezi-Imported: "File to a
 * group…" for one in Failed, "Undo filing…" for one in Sent or Received. One mail at a time; with
 * several selected the pane says so.
 */
import { Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { FOLDER_NAMES, FOLDER_ROOT, type MatchedGroup } from '../core/ports';
import type { FixMailApi, SelectedMail, SelectionOffer } from '../outlook/pane-port';
import { FixMailDialog } from './FixMailDialog';
import { GroupLinks } from './GroupLinks';
import { UndoDialog } from './UndoDialog';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS, overflowWrap: 'anywhere' },
});

const where = (folder: SelectedMail['folder']) => `${FOLDER_ROOT} › ${FOLDER_NAMES[folder]}`;
const subjectOf = (mail: SelectedMail) => `“${mail.subject.trim() || '(no subject)'}”`;

/** With several mails selected: what they are, and that they are done one at a time. */
export function severalNote(selected: number, failed: number, filed: number): string {
  const what =
    failed > 0 && filed > 0
      ? `file it to a group (from ${where('failed')}) or undo its filing (from Sent or Received)`
      : failed > 0
        ? `file it to a group (from ${where('failed')})`
        : 'undo its filing (from Sent or Received)';
  return `${selected} mails are selected. Select just one mail to ${what}: it is done one mail at a time.`;
}

/** What was just done for the selected mail (kept until Outlook's selection changes). */
type Done = { id: string; kind: 'fix'; moveTo: 'sent' | 'received'; groups: MatchedGroup[] } | { id: string; kind: 'undo' };

function DoneNote({ done }: { done: Done }) {
  if (done.kind === 'undo') return <Text role="status">Filing undone. The mail is back in your Inbox.</Text>;
  return (
    <>
      <Text role="status">Filed in Rezi. The mail is now in {where(done.moveTo)}.</Text>
      <GroupLinks groups={done.groups} />
    </>
  );
}

function Offer({ offer, api, onDone }: { offer: Exclude<SelectionOffer, { kind: 'none' | 'several' }>; api: FixMailApi; onDone(d: Done): void }) {
  const { mail } = offer;
  if (offer.kind === 'fix')
    return (
      <>
        <Text>
          {subjectOf(mail)} is in {where('failed')}: Rezi couldn’t tell which group it belongs to. You can file it to a group yourself.
        </Text>
        <div>
          <FixMailDialog
            result={mail}
            api={api}
            onFixed={(a) => a.moveTo !== 'failed' && onDone({ id: mail.id, kind: 'fix', moveTo: a.moveTo, groups: a.groups })}
          />
        </div>
      </>
    );
  return (
    <>
      <Text>
        {subjectOf(mail)} is filed in Rezi and is in {where(mail.folder)}. If it was filed by mistake, you can undo the filing.
      </Text>
      <div>
        <UndoDialog result={mail} api={api} label="Undo filing…" onUndone={() => onDone({ id: mail.id, kind: 'undo' })} />
      </div>
    </>
  );
}

export interface SelectedMailActionsProps {
  offer: SelectionOffer;
  api: FixMailApi;
}

export function SelectedMailActions({ offer, api }: SelectedMailActionsProps) {
  const styles = useStyles();
  const [done, setDone] = useState<Done>();
  if (offer.kind === 'none') return null;
  // The note stays while the same offer does: a new look-up (the selection changed) shows what is true now.
  const doneHere = done && offer.kind !== 'several' && done.id === offer.mail.id && done.kind === offer.kind ? done : undefined;
  return (
    <section className={styles.root} aria-labelledby="selected-mail-heading">
      <h2 id="selected-mail-heading" style={{ margin: 0, fontSize: tokens.fontSizeBase400 }}>
        Selected mail
      </h2>
      {offer.kind === 'several' ? (
        <Text>{severalNote(offer.selected, offer.failed, offer.filed)}</Text>
      ) : doneHere ? (
        <DoneNote done={doneHere} />
      ) : (
        <Offer offer={offer} api={api} onDone={setDone} />
      )}
    </section>
  );
}

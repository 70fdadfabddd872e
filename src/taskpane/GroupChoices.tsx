/** The search's cards to choose from: each card's name (the property's address and postcode), its kind and contacts. */
import { Checkbox, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { GroupCard } from '../outlook/pane-port';

const useStyles = makeStyles({
  list: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalXS },
  muted: { color: tokens.colorNeutralForeground2, display: 'block', paddingLeft: tokens.spacingHorizontalXXL },
});

export interface GroupChoicesProps {
  groups: GroupCard[];
  chosen: ReadonlySet<string>;
  onToggle(groupId: string, on: boolean): void;
}

/** The card's name, with its kind where the name does not already say it (Rezi's names often end "— Vendor"). */
const labelOf = (g: GroupCard) => (g.name.toLowerCase().includes(g.kind.toLowerCase()) ? g.name : `${g.name} (${g.kind})`);

const contactsLine = (g: GroupCard) => (g.contacts.length ? `Contacts: ${g.contacts.map((c) => c.name).join(', ')}` : 'No contacts on this card');

export function GroupChoices({ groups, chosen, onToggle }: GroupChoicesProps) {
  const styles = useStyles();
  return (
    <ul className={styles.list} aria-label="Groups found">
      {groups.map((g) => (
        <li key={g.groupId}>
          <Checkbox
            checked={chosen.has(g.groupId)}
            onChange={(_, d) => onToggle(g.groupId, d.checked === true)}
            label={labelOf(g)}
            aria-describedby={`contacts-${g.groupId}`}
          />
          <Text id={`contacts-${g.groupId}`} size={200} className={styles.muted}>
            {contactsLine(g)}
          </Text>
        </li>
      ))}
    </ul>
  );
}

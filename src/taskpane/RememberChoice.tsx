/** "Remember <address> on <contact>": the next mail from the address then matches that contact's card by itself. */
import { Checkbox, Field, Select } from '@fluentui/react-components';
import type { GroupCard } from '../outlook/pane-port';

export interface RememberChoiceProps {
  address: string;
  /** Contacts of the chosen cards. */
  contacts: GroupCard['contacts'];
  remember: boolean;
  contactId: string;
  onChange(remember: boolean, contactId: string): void;
}

export function RememberChoice({ address, contacts, remember, contactId, onChange }: RememberChoiceProps) {
  if (contacts.length === 0) return null;
  const chosen = contacts.find((c) => c.contactId === contactId) ?? contacts[0];
  return (
    <>
      <Checkbox checked={remember} onChange={(_, d) => onChange(d.checked === true, chosen.contactId)} label={`Remember ${address} on ${chosen.name}`} />
      {remember && contacts.length > 1 && (
        <Field label="Contact to add the address to">
          <Select value={chosen.contactId} onChange={(_, d) => onChange(true, d.value)}>
            {contacts.map((c) => (
              <option key={c.contactId} value={c.contactId}>
                {c.name}
              </option>
            ))}
          </Select>
        </Field>
      )}
    </>
  );
}

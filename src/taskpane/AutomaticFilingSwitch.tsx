/**
 * Office 365 automatic filing, on or off: the adapter files new mail in Queue on the agent's behalf,
 * with Outlook closed. The switch shows what /status says (a stored grant is `account.watch`), and is
 * refreshed from it after each change; only the call in flight and its failure live here.
 */
import { MessageBar, MessageBarBody, MessageBarTitle, Spinner, Switch, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { ApiStatus } from '../core/api';
import { severityOf } from '../core/causes';
import { explain } from '../core/explain';
import { settle } from '../outlook/pane-error';
import type { AutomaticFilingApi, PaneError } from '../outlook/pane-port';
import { automaticFilingHint, automaticFilingProblem } from './words';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalXS },
  heading: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  muted: { color: tokens.colorNeutralForeground2 },
});

export interface AutomaticFilingSwitchProps {
  api: AutomaticFilingApi;
  watch: ApiStatus['account']['watch'];
  /** What /status says of the adapter's set-up: false until IT configures it (undefined: not said). */
  configured?: boolean;
  /** Nobody signed in yet, or the pane still loading: the switch waits. */
  disabled?: boolean;
  /** Loads /status again, so the switch shows what the adapter now holds. */
  onChanged(): Promise<void>;
}

/** The adapter's refusal in plain words with the next step: this control's own words where they fit, else the cause's. */
function SwitchError({ error }: { error: PaneError }) {
  const own = automaticFilingProblem(error);
  const why = explain(error.code);
  return (
    <MessageBar intent={severityOf(error.code)} layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{own?.title ?? why.title}</MessageBarTitle> {own?.text ?? `${error.message || why.explanation} ${why.nextStep.hint}`}
      </MessageBarBody>
    </MessageBar>
  );
}

export function AutomaticFilingSwitch({ api, watch, configured, disabled, onChanged }: AutomaticFilingSwitchProps) {
  const styles = useStyles();
  const [busy, setBusy] = useState<'on' | 'off'>();
  const [error, setError] = useState<PaneError>();
  const [pollSeconds, setPollSeconds] = useState<number>();
  // Said up front by /status, or learnt from the adapter's 409: until IT sets it up, turning on cannot work, so the switch rests.
  const [refused, setRefused] = useState(false);
  const unavailable = (configured === false && watch === undefined) || refused;
  const branchOff = watch?.enabled === false;

  async function change(on: boolean) {
    setBusy(on ? 'on' : 'off');
    setError(undefined);
    const r = await settle(async () => (on ? setPollSeconds((await api.turnOn()).pollSeconds) : api.turnOff()));
    if (r.ok) await onChanged();
    else {
      setError(r.error);
      if (r.error.code === 'not-configured') setRefused(true);
    }
    setBusy(undefined);
  }

  return (
    <section className={styles.root} aria-labelledby="automatic-filing-heading">
      <h2 id="automatic-filing-heading" className={styles.heading}>
        Automatic filing
      </h2>
      <Switch
        label="File new mail in Queue automatically"
        checked={watch !== undefined}
        disabled={disabled || busy !== undefined || unavailable || branchOff}
        aria-describedby="automatic-filing-hint"
        onChange={(_e, data) => void change(data.checked)}
      />
      <Text id="automatic-filing-hint" className={styles.muted}>
        {automaticFilingHint({ branchOff, unavailable: unavailable && !error, pollSeconds: pollSeconds ?? watch?.pollSeconds })}
      </Text>
      {busy && <Spinner size="tiny" labelPosition="after" label={busy === 'on' ? 'Turning automatic filing on…' : 'Turning automatic filing off…'} />}
      {error && <SwitchError error={error} />}
    </section>
  );
}

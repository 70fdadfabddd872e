/** "Likely cause": the diagnosis in plain words, its one next step as the primary button, and what happens meanwhile. */
import { Button, MessageBar, MessageBarBody, MessageBarTitle, Spinner, Text } from '@fluentui/react-components';
import { type RefObject, useState } from 'react';
import type { Diagnosis } from '../../core/diagnosis';
import { useTroubleshootStyles } from './styles';
import type { Fixes } from './useFixes';

interface NextStepProps {
  diagnosis: Diagnosis;
  fixes: Fixes;
  disabled: boolean;
  outsideShown: boolean;
  onShowOutside(): void;
  guidedHeading: RefObject<HTMLHeadingElement | null>;
}

function NextStepButton({ diagnosis, fixes, disabled, outsideShown, onShowOutside, guidedHeading }: NextStepProps) {
  const { action, label } = diagnosis.nextStep;
  switch (action) {
    case 'reconnect':
      return (
        <Button appearance="primary" disabled={disabled} onClick={() => void fixes.reconnect()}>
          {label}
        </Button>
      );
    case 'clear-cache':
      return (
        <Button appearance="primary" disabled={disabled} onClick={() => void fixes.clearCache()}>
          {label}
        </Button>
      );
    case 'sign-in-outside':
      return (
        <Button appearance="primary" aria-expanded={outsideShown} disabled={disabled} onClick={onShowOutside}>
          {label}
        </Button>
      );
    case 'follow-steps':
      return (
        <Button appearance="primary" disabled={disabled} onClick={() => guidedHeading.current?.focus()}>
          {label}
        </Button>
      );
    default:
      // retry / retry-later / contact-it: nothing to do here but look again once things have changed.
      return (
        <Button appearance="primary" disabled={disabled} onClick={() => void fixes.checkAgain()}>
          {action === 'contact-it' ? 'Check again' : label}
        </Button>
      );
  }
}

function SignInOutside({ fixes }: { fixes: Fixes }) {
  return (
    <MessageBar intent="info" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>Check your sign-in outside Rezi</MessageBarTitle>
        Open your email in a browser (Outlook on the web or Gmail) and sign in. If that fails, reset or update your password with your email provider first.
        Once you can sign in there, reconnect here.{' '}
        <Button size="small" disabled={Boolean(fixes.busy)} onClick={() => void fixes.reconnect()}>
          I can sign in: reconnect now
        </Button>
      </MessageBarBody>
    </MessageBar>
  );
}

export function CauseSection(props: { diagnosis: Diagnosis; fixes: Fixes; checking: boolean; guidedHeading: RefObject<HTMLHeadingElement | null> }) {
  const { diagnosis, fixes, checking } = props;
  const styles = useTroubleshootStyles();
  const [outsideShown, setOutsideShown] = useState(false);
  const { busy } = fixes;
  return (
    <section className={styles.section} aria-labelledby="cause-heading">
      <h3 id="cause-heading" className={styles.subheading}>
        Likely cause: {diagnosis.title}
      </h3>
      <Text>{diagnosis.likelyCause}</Text>
      <Text>{diagnosis.nextStep.hint}</Text>
      <Text italic>{diagnosis.reassurance}</Text>
      <div className={styles.buttons}>
        <NextStepButton {...props} disabled={Boolean(busy) || checking} outsideShown={outsideShown} onShowOutside={() => setOutsideShown(true)} />
      </div>
      {outsideShown && <SignInOutside fixes={fixes} />}
      {busy && busy !== 'escalate' && <Spinner size="tiny" label={busy === 'check' ? 'Checking again…' : 'Working on it…'} />}
    </section>
  );
}

/** "Ask for help": a help box that recognises the support guide's trigger phrases and starts the matching steps. */
import { Button, Field, Text, Textarea } from '@fluentui/react-components';
import { type FormEvent, useState } from 'react';
import { type GuidedFlowState, startGuidedFlow } from '../../core/guided-flow';
import { recogniseTrigger } from '../../core/triggers';
import { useTroubleshootStyles } from './styles';

/** What the box answers to a question, and where the steps start; no flow: the question was not a sync problem. */
function answerTo(question: string): { answer: string; flow?: GuidedFlowState } {
  const match = recogniseTrigger(question);
  if (match.intent === 'sync-not-working')
    return {
      flow: startGuidedFlow(),
      answer:
        'Sorry to hear your emails aren’t syncing. Rezi has checked the connection for you above; if that doesn’t explain it, work through the steps below one at a time.',
    };
  if (match.intent === 'authorisation-failed')
    return {
      flow: startGuidedFlow('reconnect'),
      answer:
        'An authorisation failure usually means Rezi needs you to sign in again. The checks above show what Rezi found; the steps below start with reconnecting.',
    };
  return {
    answer:
      'I couldn’t match that to a sync problem. If your mails aren’t reaching Rezi, the checks and steps here will help; otherwise, Rezi support can help with anything else.',
  };
}

export interface HelpSectionProps {
  question: string;
  setQuestion(question: string): void;
  /** The question matched a sync problem: the steps start here. */
  onFlow(flow: GuidedFlowState): void;
}

export function HelpSection({ question, setQuestion, onFlow }: HelpSectionProps) {
  const styles = useTroubleshootStyles();
  const [answer, setAnswer] = useState<string>();
  const ask = (e: FormEvent) => {
    e.preventDefault();
    const reply = answerTo(question);
    setAnswer(reply.answer);
    if (reply.flow) onFlow(reply.flow);
  };
  return (
    <section className={styles.section} aria-labelledby="help-heading">
      <h3 id="help-heading" className={styles.subheading}>
        Ask for help
      </h3>
      <form onSubmit={ask} className={styles.section}>
        <Field label="Describe the problem">
          <Textarea value={question} onChange={(_e, d) => setQuestion(d.value)} resize="vertical" />
        </Field>
        <div className={styles.buttons}>
          <Button type="submit" disabled={!question.trim()}>
            Ask
          </Button>
        </div>
      </form>
      <div role="status" aria-live="polite">
        {answer && <Text>{answer}</Text>}
      </div>
    </section>
  );
}

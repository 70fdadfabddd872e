/** Why a fix or an undo did not finish: the cause's title and the words of whoever refused. */
import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { severityOf } from '../core/causes';
import { explain } from '../core/explain';
import type { PaneError } from '../outlook/pane-port';

export function ActionError({ error }: { error: Pick<PaneError, 'code' | 'message'> }) {
  const why = explain(error.code);
  return (
    <MessageBar intent={severityOf(error.code)} layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{why.title}</MessageBarTitle> {error.message || why.explanation} {error.message ? '' : why.nextStep.hint}
      </MessageBarBody>
    </MessageBar>
  );
}

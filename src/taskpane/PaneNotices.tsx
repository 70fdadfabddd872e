/** The messages under the status card: a suspected outage, and a one-line confirmation of what the user just did. */
import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { ApiStatus } from '../core/api';
import { explain } from '../core/explain';

export function PaneNotices({ status, notice }: { status?: ApiStatus; notice?: string }) {
  const outage = status?.outage?.suspected ? status.outage : undefined;
  return (
    <>
      {outage && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>{explain('outage-suspected').title}</MessageBarTitle> {outage.message} {explain('outage-suspected').nextStep.hint}
          </MessageBarBody>
        </MessageBar>
      )}
      {notice && (
        <MessageBar intent="success">
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      )}
    </>
  );
}

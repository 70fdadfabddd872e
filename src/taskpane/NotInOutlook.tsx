/** Shown when the page is opened in a browser rather than inside Outlook. */
import { FluentProvider, MessageBar, MessageBarBody, MessageBarTitle, tokens, webLightTheme } from '@fluentui/react-components';

export function NotInOutlook() {
  return (
    <FluentProvider theme={webLightTheme} style={{ minHeight: '100%' }}>
      <main style={{ padding: tokens.spacingHorizontalM }} aria-label="Rezi Email Sync">
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Open this from Outlook</MessageBarTitle> Rezi Email Sync runs inside Outlook. Open a mail in Outlook (desktop, new Outlook or
            Outlook on the web) and choose Rezi Email Sync from the ribbon.
          </MessageBarBody>
        </MessageBar>
      </main>
    </FluentProvider>
  );
}

/** A minimal stand-in for the Office global: just what src/outlook and src/commands read. */
import type { Auth } from '../../src/outlook/auth';

export interface OfficeStubOptions {
  selected?: string[];
  itemId?: string;
  multiSelect?: boolean;
  naa?: boolean;
  background?: string;
  platform?: string;
  /** false: no current item (several mails selected in a host that has none). */
  withItem?: boolean;
}

export interface OfficeStub {
  office: typeof Office;
  notifications: { key: string; details: Office.NotificationMessageDetails }[];
  handlers: Map<string, () => void>;
  removed: string[];
  setSelection(ids: string[]): void;
}

export function officeStub(o: OfficeStubOptions = {}): OfficeStub {
  let selected = o.selected ?? [];
  const notifications: OfficeStub['notifications'] = [];
  const handlers = new Map<string, () => void>();
  const removed: string[] = [];
  const item =
    o.withItem === false
      ? null
      : {
          itemId: o.itemId,
          notificationMessages: {
            replaceAsync: (key: string, details: Office.NotificationMessageDetails, cb?: () => void) => {
              notifications.push({ key, details });
              cb?.();
            },
          },
        };
  const office = {
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    EventType: { ItemChanged: 'olkItemSelectedChanged', SelectedItemsChanged: 'olkSelectedItemsChanged' },
    MailboxEnums: {
      RestVersion: { v2_0: 'v2.0' },
      ItemNotificationMessageType: { InformationalMessage: 'informationalMessage', ErrorMessage: 'errorMessage', ProgressIndicator: 'progressIndicator' },
    },
    context: {
      diagnostics: { host: 'Outlook', platform: o.platform ?? 'PC', version: '16.0.18000' },
      displayLanguage: 'en-GB',
      officeTheme: { bodyBackgroundColor: o.background ?? '#ffffff' },
      requirements: {
        isSetSupported: (name: string, version: string) =>
          (name === 'Mailbox' && version === '1.13' && (o.multiSelect ?? true)) || (name === 'NestedAppAuth' && (o.naa ?? true)),
      },
      mailbox: {
        item,
        userProfile: { emailAddress: 'agent@brightwells.co.uk' },
        // EWS ids use '/' and '+'; REST ids '-' and '_'.
        convertToRestId: (id: string) => id.replace(/\//g, '-').replace(/\+/g, '_'),
        getSelectedItemsAsync: (cb: (r: { status: string; value: { itemId: string }[] }) => void) =>
          cb({ status: 'succeeded', value: selected.map((itemId) => ({ itemId })) }),
        addHandlerAsync: (type: string, handler: () => void) => void handlers.set(type, handler),
        removeHandlerAsync: (type: string) => void (handlers.delete(type), removed.push(type)),
      },
    },
  } as unknown as typeof Office;
  return {
    office,
    notifications,
    handlers,
    removed,
    setSelection(ids) {
      selected = ids;
    },
  };
}

/** An Auth that hands out fixed tokens per scope (the MSAL side is tested in auth.test.ts). */
export function fixedAuth(tokens: { graph: string; adapter: () => Promise<string> }, adapterScope: string): Auth & { cleared: number; signedOut: number } {
  const a = {
    nestedAppAuth: true,
    cleared: 0,
    signedOut: 0,
    async getToken(scopes: string[]) {
      return scopes.includes(adapterScope) ? tokens.adapter() : tokens.graph;
    },
    account: () => ({ name: 'Alex Morgan', email: 'agent@brightwells.co.uk' }),
    async signOut() {
      a.signedOut++;
    },
    async clearCache() {
      a.cleared++;
    },
  };
  return a;
}

/** The Office global for tests of src/outlook and src/commands: just what they read, over office-addin-mock. */
import type { AccountInfo, IPublicClientApplication } from '@azure/msal-browser';
import type { OfficeMockObject as MockObject } from 'office-addin-mock';
import { type Auth, createAuth, type MsalFactories } from '../../src/outlook/auth';

export interface OfficeStubOptions {
  selected?: string[];
  itemId?: string;
  multiSelect?: boolean;
  naa?: boolean;
  background?: string;
  platform?: string;
  /** false: no current item (several mails selected in a host that has none). */
  withItem?: boolean;
  /** false: no Office.context.ui (no dialog API). */
  dialogApi?: boolean;
  /** displayDialogAsync fails with this Office error code (e.g. 12009) instead of opening a dialog. */
  dialogOpenError?: number;
  /** The mailbox's owner (Office.context.mailbox.userProfile.emailAddress); default agent@brightwells.co.uk. */
  mailbox?: string;
  /** Mailbox requirement set the host has (default 1.13, or 1.5 with multiSelect: false). */
  mailboxVersion?: string;
  /**
   * What item.getSharedPropertiesAsync answers (Mailbox 1.8): the open mail is in a shared or delegated
   * folder; 'fails': the folder is not shared (or a shared mailbox was added as a separate account).
   */
  shared?: Partial<Office.SharedProperties> | 'fails';
  /** What Office.auth.getAuthContext() answers (IdentityAPI 1.3); absent: the host has no Office.auth. */
  authContext?: Partial<Office.AuthContext>;
}

/** A dialog opened with displayDialogAsync; the test plays the dialog page's part. */
export interface FakeDialog {
  url: string;
  options: Office.DialogOptions;
  closed: number;
  /** The page called messageParent with `message` (from `origin`, default the dialog URL's origin). */
  message(message: unknown, origin?: string): void;
  /** Office raised DialogEventReceived with this code (12006: closed by the user). */
  event(code: number): void;
}

export interface OfficeStub {
  office: typeof Office;
  notifications: { key: string; details: Office.NotificationMessageDetails }[];
  handlers: Map<string, () => void>;
  removed: string[];
  /** Every dialog opened (or attempted, with dialogOpenError), in order. */
  dialogs: FakeDialog[];
  setSelection(ids: string[]): void;
}

/**
 * office-addin-mock reads one thing from office-addin-manifest, the OfficeApp host names; that
 * package's own dependencies ship ES modules that jest cannot require on this Node, so the names are
 * given here, as office-addin-manifest defines them.
 */
const OfficeApp = { Excel: 'excel', OneNote: 'onenote', Outlook: 'outlook', PowerPoint: 'powerpoint', Project: 'project', Word: 'word' } as const;
jest.mock('office-addin-manifest', () => ({ OfficeApp }));
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the mock above is in place
const { OfficeMockObject } = require('office-addin-mock') as { OfficeMockObject: typeof MockObject };

/**
 * The sign-in dialog, kept by hand: office-addin-mock models objects and their properties, not the
 * dialog API's events, so the test plays the dialog page here (messageParent → DialogMessageReceived,
 * Office's own DialogEventReceived codes), as Microsoft Learn's "Use the Office dialog API" describes.
 */
function dialogApi(o: OfficeStubOptions, dialogs: FakeDialog[]) {
  return (url: string, options: Office.DialogOptions, cb: (r: unknown) => void) => {
    const handlers = new Map<string, (arg: unknown) => void>();
    const dialog: FakeDialog = {
      url,
      options,
      closed: 0,
      message: (message, origin = new URL(url).origin) =>
        handlers.get('dialogMessageReceived')?.({ message: typeof message === 'string' ? message : JSON.stringify(message), origin }),
      event: (error) => handlers.get('dialogEventReceived')?.({ error }),
    };
    dialogs.push(dialog);
    if (o.dialogOpenError !== undefined) return cb({ status: 'failed', error: { code: o.dialogOpenError, name: 'Error', message: 'Dialog not opened' } });
    cb({
      status: 'succeeded',
      value: {
        addEventHandler: (type: string, handler: (arg: unknown) => void) => void handlers.set(type, handler),
        close: () => void dialog.closed++,
        messageChild: () => undefined,
      },
    });
  };
}

/** `asked` ≤ `have`, as Office compares requirement-set versions (1.8 < 1.13). */
function versionAtMost(asked: string, have: string): boolean {
  const [a, h] = [asked, have].map((v) => v.split('.').map(Number));
  for (let i = 0; i < Math.max(a.length, h.length); i++) if ((a[i] ?? 0) !== (h[i] ?? 0)) return (a[i] ?? 0) < (h[i] ?? 0);
  return true;
}

/** The Office global as the add-in reads it, built with office-addin-mock (Microsoft's mock for Office.js). */
export function officeStub(o: OfficeStubOptions = {}): OfficeStub {
  let selected = o.selected ?? [];
  const notifications: OfficeStub['notifications'] = [];
  const handlers = new Map<string, () => void>();
  const removed: string[] = [];
  const dialogs: FakeDialog[] = [];
  const sharedAsync = (cb: (r: { status: string; value?: unknown; error?: unknown }) => void) =>
    o.shared === 'fails'
      ? cb({ status: 'failed', error: { code: 9060, name: 'GenericResponseError', message: 'The current folder or mailbox isn’t shared.' } })
      : cb({ status: 'succeeded', value: o.shared });
  const item = {
    itemId: o.itemId,
    ...(o.shared ? { getSharedPropertiesAsync: sharedAsync } : {}),
    notificationMessages: {
      replaceAsync: (key: string, details: Office.NotificationMessageDetails, cb?: () => void) => {
        notifications.push({ key, details });
        cb?.();
      },
    },
  };
  const data = {
    ...(o.authContext ? { auth: { getAuthContext: async () => o.authContext } } : {}),
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    EventType: {
      ItemChanged: 'olkItemSelectedChanged',
      SelectedItemsChanged: 'olkSelectedItemsChanged',
      DialogMessageReceived: 'dialogMessageReceived',
      DialogEventReceived: 'dialogEventReceived',
    },
    MailboxEnums: {
      RestVersion: { v2_0: 'v2.0' },
      ItemNotificationMessageType: { InformationalMessage: 'informationalMessage', ErrorMessage: 'errorMessage', ProgressIndicator: 'progressIndicator' },
    },
    context: {
      diagnostics: { host: 'Outlook', platform: o.platform ?? 'PC', version: '16.0.18000' },
      displayLanguage: 'en-GB',
      officeTheme: { bodyBackgroundColor: o.background ?? '#ffffff' },
      ...(o.dialogApi === false ? {} : { ui: { displayDialogAsync: dialogApi(o, dialogs) } }),
      requirements: {
        isSetSupported: (name: string, version: string) =>
          (name === 'Mailbox' && versionAtMost(version, o.mailboxVersion ?? (o.multiSelect === false ? '1.5' : '1.13'))) ||
          (name === 'NestedAppAuth' && (o.naa ?? true)),
      },
      mailbox: {
        // No current item: several mails selected in a host that then has none.
        ...(o.withItem === false ? {} : { item }),
        userProfile: { emailAddress: o.mailbox ?? 'agent@brightwells.co.uk' },
        // EWS ids use '/' and '+'; REST ids '-' and '_'.
        convertToRestId: (id: string) => id.replace(/\//g, '-').replace(/\+/g, '_'),
        getSelectedItemsAsync: (cb: (r: { status: string; value: { itemId: string }[] }) => void) =>
          cb({ status: 'succeeded', value: selected.map((itemId) => ({ itemId })) }),
        addHandlerAsync: (type: string, handler: () => void) => void handlers.set(type, handler),
        removeHandlerAsync: (type: string) => void (handlers.delete(type), removed.push(type)),
      },
    },
  };
  const office = new OfficeMockObject(data, OfficeApp.Outlook as never) as unknown as typeof Office;
  return {
    office,
    notifications,
    handlers,
    removed,
    dialogs,
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
      return { msalCacheCleared: true };
    },
  };
  return a;
}

/** The real Auth over a fake MSAL whose every token request fails with `error`: MSAL's shape in, Auth's mapping in between. */
export async function authFailingWith(error: unknown, username = 'agent@brightwells.co.uk'): Promise<Auth> {
  const account = {
    homeAccountId: 'h',
    environment: 'login.microsoftonline.com',
    tenantId: 't',
    username,
    localAccountId: 'l',
    name: 'Alex Morgan',
  } as AccountInfo;
  const fail = async () => Promise.reject(error);
  const pca = {
    getActiveAccount: () => account,
    getAllAccounts: () => [account],
    setActiveAccount: () => undefined,
    acquireTokenSilent: fail,
    ssoSilent: fail,
    acquireTokenPopup: fail,
    clearCache: async () => undefined,
  } as unknown as IPublicClientApplication;
  const factories: MsalFactories = { createNestable: async () => pca, createStandard: async () => pca };
  return createAuth({ clientId: 'cid' }, { office: officeStub({ naa: true }).office, factories });
}

/**
 * What the add-in reads from Office.js about where it runs: the host, the requirement sets it
 * supports, the mailbox's owner and the mails selected. Each read is written once here, for the task
 * pane, the ribbon command and sign-in alike, and none of them throws on a host that lacks a part.
 */
import type { HostInfo } from './pane-port';

/** Relative luminance of a #rrggbb colour; < 0.5 is a dark background. */
export function isDarkColour(hex: string | undefined): boolean {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex ?? '');
  if (!m) return false;
  const [r, g, b] = m.slice(1).map((h) => parseInt(h, 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5;
}

/** Whether the host supports a requirement set; a host that cannot say is taken not to. */
export function supports(office: typeof Office | undefined, set: string, version: string): boolean {
  try {
    return Boolean(office?.context?.requirements?.isSetSupported(set, version));
  } catch {
    return false;
  }
}

/** Mailbox 1.13: several mails selected at once (getSelectedItemsAsync, SelectedItemsChanged). */
export const supportsMultiSelect = (office: typeof Office | undefined): boolean => supports(office, 'Mailbox', '1.13');

/** NestedAppAuth 1.1: tokens through the host's own sign-in. */
export function supportsNestedAppAuth(office: typeof Office | undefined = globalThis.Office): boolean {
  return supports(office, 'NestedAppAuth', '1.1');
}

export function hostInfo(office: typeof Office | undefined = globalThis.Office): HostInfo {
  const d = office?.context?.diagnostics;
  return {
    host: String(d?.host ?? 'Outlook'),
    platform: String(d?.platform ?? 'unknown'),
    version: d?.version ?? '',
    dark: isDarkColour(office?.context?.officeTheme?.bodyBackgroundColor),
    displayLanguage: office?.context?.displayLanguage ?? 'en-GB',
    multiSelect: supportsMultiSelect(office),
    nestedAppAuth: supportsNestedAppAuth(office),
    touch: isMobilePlatform(d?.platform),
  };
}

/** Office.PlatformType iOS and Android: Outlook on a phone or tablet (MobileFormFactor in the manifest). */
export function isMobilePlatform(platform: unknown): boolean {
  return platform === 'iOS' || platform === 'Android';
}

/** The address of the mailbox the add-in is in, as Outlook reports it (the login hint and the account to match). */
export function mailboxAddress(office: typeof Office | undefined = globalThis.Office): string | undefined {
  try {
    return office?.context?.mailbox?.userProfile?.emailAddress || undefined;
  } catch {
    return undefined;
  }
}

/** The open (or the one selected) mail's Office id; a function command never sees more than this. */
export function currentItemIds(office: typeof Office | undefined = globalThis.Office): string[] {
  const id = (office?.context?.mailbox?.item as { itemId?: string } | undefined)?.itemId;
  return id ? [id] : [];
}

/** Office item ids of the selection: multi-select where supported, else the open item. */
export function selectedOfficeIds(office: typeof Office | undefined = globalThis.Office): Promise<string[]> {
  const mailbox = office?.context?.mailbox;
  if (!mailbox) return Promise.resolve([]);
  if (!supportsMultiSelect(office) || typeof mailbox.getSelectedItemsAsync !== 'function') return Promise.resolve(currentItemIds(office));
  return new Promise((resolve) => {
    mailbox.getSelectedItemsAsync((result) => {
      if (result.status !== office!.AsyncResultStatus.Succeeded || !result.value || result.value.length === 0) return resolve(currentItemIds(office));
      resolve(result.value.map((i) => i.itemId));
    });
  });
}

/** Calls `listener` with the number of mails selected whenever the selection changes; returns the unsubscribe. */
export function watchSelection(office: typeof Office | undefined, listener: (count: number) => void): () => void {
  const mailbox = office?.context?.mailbox;
  if (!office || !mailbox || typeof mailbox.addHandlerAsync !== 'function') return () => undefined;
  const events = [office.EventType.ItemChanged, ...(supportsMultiSelect(office) ? [office.EventType.SelectedItemsChanged] : [])];
  const handler = () => void selectedOfficeIds(office).then((ids) => listener(ids.length));
  for (const type of events) mailbox.addHandlerAsync(type, handler);
  return () => {
    for (const type of events) mailbox.removeHandlerAsync(type);
  };
}

/** A shared or delegated mailbox the open mail is in, as Outlook's getSharedPropertiesAsync describes it. */
export interface SharedMailbox {
  /** Its SMTP address: where Graph reaches it (/users/{address}). */
  address: string;
  /** The owner Outlook names (the shared mailbox itself, or the person who delegated the folder). */
  owner: string;
  /** Outlook's bit field of the delegate's permissions (Office.MailboxEnums.DelegatePermissions). */
  permissions: number;
}

const looksLikeAddress = (s: unknown): s is string => typeof s === 'string' && /^[^@\s]+@[^@\s]+$/.test(s);

/**
 * The shared mailbox or delegated folder the open mail is in, or undefined for the user's own mailbox.
 * Mailbox 1.8 (shared folders; 1.13 shared mailboxes): item.getSharedPropertiesAsync fails when the
 * folder is not shared, and also where a shared mailbox was added to Outlook as an account of its own.
 * targetMailbox "may differ based on the Outlook client", so an owner that is an address stands in
 * when it is not one.
 */
export function sharedMailboxOf(office: typeof Office | undefined = globalThis.Office): Promise<SharedMailbox | undefined> {
  const item = office?.context?.mailbox?.item as { getSharedPropertiesAsync?: Office.MessageRead['getSharedPropertiesAsync'] } | null | undefined;
  if (!supports(office, 'Mailbox', '1.8') || typeof item?.getSharedPropertiesAsync !== 'function') return Promise.resolve(undefined);
  return new Promise((resolve) => {
    try {
      item.getSharedPropertiesAsync!((result) => {
        const v = result.status === office!.AsyncResultStatus.Succeeded ? result.value : undefined;
        const address = looksLikeAddress(v?.targetMailbox) ? v.targetMailbox : looksLikeAddress(v?.owner) ? v.owner : undefined;
        resolve(v && address ? { address: address.toLowerCase(), owner: v.owner, permissions: Number(v.delegatePermissions) || 0 } : undefined);
      });
    } catch {
      resolve(undefined);
    }
  });
}

/**
 * Which cached account is this mailbox's. Chosen as Microsoft's NAA sample does (Office.auth.
 * getAuthContext(), then getAccount by username, tenant and object id), else by the mailbox's address;
 * never "the first cached account": the cache is shared by every mailbox open in this Outlook.
 */
import type { AccountInfo, IPublicClientApplication } from '@azure/msal-browser';
import { mailboxAddress } from './office-host';

/** How long Office.auth.getAuthContext() may take before the add-in goes on without it. */
const AUTH_CONTEXT_WAIT_MS = 3000;

export interface AccountChoice {
  /** The mailbox owner's address: the login hint where Outlook names nobody else. */
  readonly loginHint: string | undefined;
  /** The account tokens are taken for, once known. */
  current(): AccountInfo | null;
  /** The account MSAL or the dialog just signed in becomes the active one. */
  use(account: AccountInfo): void;
  /** Looks the mailbox's account up again when none is known yet. */
  ensure(): Promise<AccountInfo | null>;
  /** The user as Outlook names them, for a host that answers for an account id it is given. */
  fromContext(): Promise<AccountInfo | undefined>;
  /** Who to suggest at a sign-in: Outlook's user principal name, else the mailbox's address. */
  hint(): Promise<string | undefined>;
  forget(): void;
}

function same(a: string | undefined, b: string | undefined): boolean {
  return Boolean(a && b && a.toLowerCase() === b.toLowerCase());
}

/** Who Outlook says is signed in to this mailbox (IdentityAPI 1.3), else undefined (older hosts, or a host that refuses). */
async function authContext(office: typeof Office | undefined): Promise<Office.AuthContext | undefined> {
  try {
    const get = office?.auth?.getAuthContext;
    if (typeof get !== 'function') return undefined;
    // A host that never answers must not hold up sign-in: without the context, the mailbox's address decides.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), AUTH_CONTEXT_WAIT_MS)));
    try {
      return await Promise.race([get.call(office!.auth), late]);
    } finally {
      clearTimeout(timer);
    }
  } catch {
    return undefined;
  }
}

function accountFromContext(ctx: Office.AuthContext | undefined): AccountInfo | undefined {
  return ctx?.userPrincipalName && ctx.userObjectId && ctx.tenantId
    ? {
        homeAccountId: `${ctx.userObjectId}.${ctx.tenantId}`,
        environment: 'login.microsoftonline.com',
        tenantId: ctx.tenantId,
        localAccountId: ctx.userObjectId,
        username: ctx.userPrincipalName,
      }
    : undefined;
}

/** The mailbox's account as MSAL has it cached, starting from it when there is one. */
export async function chooseAccount(office: typeof Office | undefined, pca: IPublicClientApplication): Promise<AccountChoice> {
  const loginHint = mailboxAddress(office);
  /** The cached account of this mailbox, or null: never another mailbox's. */
  const mailboxAccount = async (): Promise<AccountInfo | null> => {
    const ctx = await authContext(office);
    if (ctx?.userPrincipalName) {
      const found = pca.getAccount({ username: ctx.userPrincipalName, tenantId: ctx.tenantId, localAccountId: ctx.userObjectId });
      if (found) return found;
    }
    if (!loginHint) return null;
    return pca.getAllAccounts().find((a) => same(a.username, loginHint)) ?? null;
  };
  let current: AccountInfo | null = await mailboxAccount();
  return {
    loginHint,
    current: () => current,
    use(account) {
      current = account;
      pca.setActiveAccount(account);
    },
    ensure: async () => (current ??= await mailboxAccount()),
    fromContext: async () => accountFromContext(await authContext(office)),
    hint: async () => (await authContext(office))?.userPrincipalName || loginHint,
    forget() {
      current = null;
      pca.setActiveAccount(null);
    },
  };
}

/**
 * The IMAP companion's use cases: branch settings (admin), Authenticate, Stop Email Sync and Start
 * Sync for an agent. Start Sync runs the core engine server-side with ImapMailbox and the adapter's
 * own directory and the store's History, so the run is recorded exactly as a pane sync is.
 */
import { explain } from '../../core/explain';
import fs from 'node:fs';
import { SyncError } from '../../core/causes';
import { normaliseAddress } from '../../core/addresses';
import { finishNotStarted, syncQueue, type SyncProgress, type SyncReport } from '../../core/engine';
import type { FolderTree } from '../../core/ports';
import { stateAfter, type ConnectionState } from '../../core/status';
import type { AuthUser, ServerContext } from '../context';
import { directoryFor } from '../directory/core-adapter';
import { fencedHistory } from '../coordination/fenced-history';
import { Leases, type HeldLease } from '../coordination/lease';
import { ApiHttpError } from '../errors';
import { audit, putAccountState, recordFailure, StoreHistory } from '../history';
import { credentialsFor, deleteAccount, getAccount, rotateCredentials, saveAccount } from './accounts';
import { cipherFromConfig, keyFilePath, type CredentialCipher } from './crypto';
import { imapDb } from './tables';
import { imapError } from './errors';
import { checkImapHost, imapHostPolicy, type ImapHostPolicy } from './host-policy';
import { ImapMailbox, type ImapMailboxOptions } from './mailbox';
import { getBranchSettings, isInsecure, putBranchSettings, settingsToApi, validateSettings, type BranchImapSettings, type ValidationMessage } from './settings';

// Seed 001's words, shared with the pane through core/explain.ts.
export const BRANCH_NOT_CONFIGURED_MESSAGE = explain('not-configured').explanation;

/** One answer for every connection that does not greet as IMAP: which low-level error it was would make the adapter a port scanner. */
export const NOT_IMAP_MESSAGE =
  'No IMAP server answered at the branch’s server address and port. Check the address, the port and the SSL/TLS settings with the mail provider, or try again later if the server is down.';

/** What an agent is told when IT changed the branch's server: the stored password was for the old one. */
export const SETTINGS_CHANGED_MESSAGE =
  'Your branch’s IT administrator changed the mail server settings, so your email password was forgotten (it was entered for the old server). Enter your email username and password again and press Authenticate.';

/** Engine batch size: 1,000 mails → one directory call and one MOVE per destination. */
export const SYNC_BATCH = 1000;
/** Per-mail results a Start Sync report keeps (failed and pending first): a 50,000-mail Queue answers its counts and these, not 50,000 rows. */
export const RESULTS_KEPT = 1000;

export interface ImapSyncResult extends SyncReport {
  runId: string;
}

/** How long a fix or an undo waits for the account's sync to finish before answering 409. */
export const HAND_WAIT_MS = 5_000;
const HAND_POLL_MS = 250;

/** What work by hand gets: the logged-in mailbox, its folder tree, the owner's addresses, and the lease it runs under. */
export interface ByHand {
  mailbox: ImapMailbox;
  folders: FolderTree;
  owner: string[];
  lease: HeldLease;
}

export interface SyncCallOptions {
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
}

export class SettingsInvalid extends Error {
  constructor(
    readonly errors: ValidationMessage[],
    readonly warnings: ValidationMessage[],
  ) {
    super(errors.map((e) => e.message).join(' '));
    this.name = 'SettingsInvalid';
  }
}

function httpErrorFor(e: SyncError): ApiHttpError {
  switch (e.code) {
    case 'password-changed':
      // Not 401: that status means the caller's Rezi token, which is fine here.
      return new ApiHttpError(422, 'imap-auth-failed', e.message, { cause: e.code });
    case 'certificate-invalid':
      return new ApiHttpError(502, 'imap-certificate-invalid', e.message, { cause: e.code });
    case 'server-unreachable':
      return new ApiHttpError(502, 'imap-server-unreachable', e.message, { cause: e.code });
    default:
      return new ApiHttpError(502, 'imap-error', e.message, { cause: e.code });
  }
}

export class ImapService {
  /** The per-account sync lock, in the store: one run per account across every instance on the database. */
  readonly leases: Leases;
  /** One Authenticate per account at a time (a double click, two panes): the second waits for the first. */
  private readonly authenticating = new Map<string, Promise<unknown>>();
  private loaded?: CredentialCipher;
  private readonly policy: ImapHostPolicy;
  /** Told when an account is connected or forgotten here (the Queue watchers look again at once, not at their next scan). */
  private readonly changeListeners = new Set<(userId: string) => void>();

  constructor(
    private readonly ctx: ServerContext,
    /** The cipher, or how to load it when first needed (so an adapter nobody uses IMAP on writes no key file). */
    private readonly key: CredentialCipher | (() => CredentialCipher),
    private readonly options: {
      timeouts?: { connectMs?: number; greetingMs?: number; socketMs?: number };
      preview?: boolean;
      /** How long work by hand waits for a sync holding the account's lease (default HAND_WAIT_MS). */
      leaseWaitMs?: number;
    } = {},
  ) {
    this.policy = imapHostPolicy(ctx.config.imap.allowedHosts ?? [], ctx.config.imap.allowedPorts ?? []).policy;
    this.leases = new Leases(ctx.db, { ttlMs: ctx.config.leaseTtlMs, now: () => this.now().getTime() });
  }

  /**
   * The one place a connection to a branch's server is opened: the host is checked against the
   * policy again (what it resolves to now), the connection goes to the checked address (TLS still
   * verifies the name), and a server that does not greet as IMAP gets one plain answer.
   */
  private async openMailbox(settings: BranchImapSettings, options: Omit<ImapMailboxOptions, 'settings'>): Promise<ImapMailbox> {
    const target = await checkImapHost(this.policy, settings.host, settings.port);
    if (!target.ok) throw new SyncError('server-unreachable', target.message);
    try {
      return await ImapMailbox.open({ ...options, settings: { ...settings, host: target.address }, servername: target.servername });
    } catch (e) {
      const err = imapError(e);
      if (err.code === 'server-unreachable' || err.code === 'unknown') throw new SyncError('server-unreachable', NOT_IMAP_MESSAGE);
      throw err;
    }
  }

  /** Calls `listener` after each Authenticate that stored credentials and each Stop Email Sync; returns how to stop listening. */
  onAccountChange(listener: (userId: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(userId: string) {
    for (const listener of this.changeListeners) listener(userId);
  }

  get cipher(): CredentialCipher {
    this.loaded ??= typeof this.key === 'function' ? this.key() : this.key;
    return this.loaded;
  }

  private get timeouts() {
    return this.options.timeouts;
  }

  private now() {
    return this.ctx.clock();
  }

  // ---- admin ----

  /** Refuses unless `admin` is an IT administrator of this branch (another organisation's branch answers as a missing one). */
  async assertOwnBranch(admin: AuthUser, branchId: string): Promise<void> {
    if (admin.role !== 'admin') throw new ApiHttpError(403, 'admin-only', 'Only an IT administrator can view or change branch IMAP settings.');
    const branch = await this.ctx.db.selectFrom('branches').select(['id', 'tenant_id']).where('id', '=', branchId).executeTakeFirst();
    // Another organisation's branch answers exactly like a missing one.
    if (!branch || branch.tenant_id !== admin.tenantId)
      throw new ApiHttpError(404, 'branch-not-found', 'There is no branch with that id in your organisation.');
    // A branch administrator acts on their own branch only: one branch's IT must not be able to
    // point another branch's agents (and their passwords) at a server of their choosing.
    if (branch.id !== admin.branchId)
      throw new ApiHttpError(
        403,
        'other-branch',
        `You administer ${admin.branchName} only. Ask that branch’s IT administrator to view or change its IMAP settings.`,
      );
  }

  async getBranch(admin: AuthUser, branchId: string) {
    await this.assertOwnBranch(admin, branchId);
    const settings = await getBranchSettings(this.ctx.db, branchId);
    if (!settings) throw new ApiHttpError(404, 'branch-not-configured', 'This branch has no IMAP settings yet.', { cause: 'not-configured' });
    return settingsToApi(settings);
  }

  async putBranch(admin: AuthUser, branchId: string, body: unknown) {
    await this.assertOwnBranch(admin, branchId);
    const v = validateSettings(body);
    if (!v.ok) throw new SettingsInvalid(v.errors, v.warnings);
    const target = await checkImapHost(this.policy, v.settings.host, v.settings.port);
    if (!target.ok) throw new SettingsInvalid([{ field: target.field, level: 'error', message: target.message }], v.warnings);
    const { revokedUserIds, ...saved } = await putBranchSettings(this.ctx.db, branchId, v.settings, admin.id, this.now());
    const at = this.now().toISOString();
    for (const id of revokedUserIds) {
      const agent = { ...admin, id, role: 'agent' as const };
      await putAccountState(this.ctx.db, agent, 'imap', {
        state: 'authorisation-failed',
        cause: 'server-settings-changed',
        at,
        lastError: 'server-settings-changed',
      });
      await recordFailure(this.ctx.db, agent, 'imap', { code: 'server-settings-changed', message: SETTINGS_CHANGED_MESSAGE }, at);
    }
    this.ctx.log.info({ branchId, actor: admin.id, credentialsRevoked: revokedUserIds.length }, 'branch IMAP settings saved');
    return { ...settingsToApi(saved), warnings: v.warnings, credentialsRevoked: revokedUserIds.length };
  }

  // ---- agent ----

  async view(user: AuthUser) {
    const [settings, account, syncing] = await Promise.all([
      getBranchSettings(this.ctx.db, user.branchId),
      getAccount(this.ctx.db, user.id),
      this.leases.isHeld(syncLeaseKey(user)),
    ]);
    return {
      branchConfigured: settings !== undefined,
      ...(settings ? { server: { host: settings.host, port: settings.port, ssl: settings.ssl, tls: settings.starttls, insecure: isInsecure(settings) } } : {}),
      account: account
        ? {
            username: account.username,
            state: account.state,
            ...(account.lastErrorCode ? { lastErrorCode: account.lastErrorCode, lastErrorAt: account.lastErrorAt } : {}),
            connectedAt: account.updatedAt,
          }
        : null,
      syncing,
    };
  }

  private async settingsOrRefuse(user: AuthUser) {
    const settings = await getBranchSettings(this.ctx.db, user.branchId);
    if (!settings) throw new ApiHttpError(409, 'branch-not-configured', BRANCH_NOT_CONFIGURED_MESSAGE, { cause: 'not-configured' });
    return settings;
  }

  /**
   * Logs in with the given credentials, creates the folder tree, and only then stores the password
   * (encrypted). A failed login stores nothing and leaves any earlier credentials as they were.
   */
  async authenticate(
    user: AuthUser,
    username: string,
    password: string,
  ): Promise<{ username: string; state: ConnectionState; folders: FolderTree; delimiter: string }> {
    const before = this.authenticating.get(user.id) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(() => this.authenticateNow(user, username, password));
    this.authenticating.set(user.id, mine);
    try {
      return await mine;
    } finally {
      if (this.authenticating.get(user.id) === mine) this.authenticating.delete(user.id);
    }
  }

  private async authenticateNow(
    user: AuthUser,
    username: string,
    password: string,
  ): Promise<{ username: string; state: ConnectionState; folders: FolderTree; delimiter: string }> {
    const settings = await this.settingsOrRefuse(user);
    let mailbox: ImapMailbox | undefined;
    try {
      mailbox = await this.openMailbox(settings, { login: { username, password }, timeouts: this.timeouts });
      const folders = await mailbox.ensureFolders();
      await saveAccount(this.ctx.db, this.cipher, { userId: user.id, username, password, folderDelimiter: mailbox.delimiter }, this.now());
      // A fresh login: connected, and the last error forgotten.
      await putAccountState(this.ctx.db, user, 'imap', { state: 'connected', cause: null, at: this.now().toISOString(), lastError: null });
      await audit(this.ctx.db, user, 'imap.authenticate', { username }, this.now());
      this.ctx.log.info({ userId: user.id }, 'IMAP account connected');
      this.changed(user.id);
      return { username, state: 'connected', folders, delimiter: mailbox.delimiter };
    } catch (e) {
      if (e instanceof ApiHttpError) throw e;
      const err = imapError(e);
      const state = stateAfter(err.code) ?? 'disconnected';
      await putAccountState(this.ctx.db, user, 'imap', { state, cause: err.code, at: this.now().toISOString(), lastError: err.code });
      await recordFailure(this.ctx.db, user, 'imap', { code: err.code, message: err.message, providerCode: err.detail.providerCode }, this.now().toISOString());
      this.ctx.log.info({ userId: user.id, code: err.code, providerCode: err.detail.providerCode }, 'IMAP authentication failed');
      throw httpErrorFor(err);
    } finally {
      await mailbox?.close();
    }
  }

  /** Stop Email Sync: forget the credentials. */
  async stop(user: AuthUser): Promise<{ deleted: boolean }> {
    const deleted = await deleteAccount(this.ctx.db, user.id);
    await this.ctx.db.deleteFrom('account_state').where('user_id', '=', user.id).where('kind', '=', 'imap').execute();
    await audit(this.ctx.db, user, 'imap.stop', { deleted }, this.now());
    this.changed(user.id);
    return { deleted };
  }

  /**
   * Start Sync: files whatever is in Queue. One run per account at a time, on whichever instance:
   * the run holds the account's lease in the store; a run that loses it stops, its mail left in Queue.
   */
  async sync(user: AuthUser, options: SyncCallOptions = {}): Promise<ImapSyncResult> {
    const outcome = await this.leases.run(syncLeaseKey(user), (lease) => {
      const signal = options.signal ? AbortSignal.any([options.signal, lease.signal]) : lease.signal;
      return this.runSync(user, { ...options, signal }, lease);
    });
    if (!outcome.ran) throw syncInProgress();
    return outcome.value;
  }

  private async runSync(user: AuthUser, options: SyncCallOptions, lease: HeldLease): Promise<ImapSyncResult> {
    const settings = await this.settingsOrRefuse(user);
    const login = await this.loginOrRefuse(user);
    const startedAt = this.now();
    const store = new StoreHistory(this.ctx.db, user, 'imap', { clock: () => this.now(), client: { version: 'imap-companion', host: 'adapter' } });
    const history = fencedHistory(store, lease);
    let mailbox: ImapMailbox;
    try {
      // Envelopes only by default: the embedded store keeps no preview, and the 256-byte body peek
      // roughly doubles the cost of the one FETCH (Dovecot reads every file; imapflow parses more).
      mailbox = await this.openMailbox(settings, { login, signal: options.signal, timeouts: this.timeouts, preview: this.options.preview ?? false });
    } catch (e) {
      const failure = imapError(e);
      const report = await finishNotStarted(history, failure, { providerCode: failure.detail.providerCode, startedAt, finishedAt: this.now() });
      return this.finished(store.runId, report);
    }
    let report: SyncReport;
    try {
      const owner = [user.email, normaliseAddress(login.username)].filter((a): a is string => !!a);
      // The engine opens the run, records each batch's outcomes and finishes it: the same bookkeeping as a pane sync.
      report = await syncQueue(mailbox, directoryFor(this.ctx, user), {
        owner: { addresses: owner },
        batchSize: SYNC_BATCH,
        concurrency: 1,
        signal: options.signal,
        onProgress: options.onProgress,
        now: () => this.now(),
        keepResults: RESULTS_KEPT,
        history,
        contentLimits: { maxBytes: this.ctx.config.contentMaxBytesPerMail },
      });
    } finally {
      await mailbox.close().catch(() => undefined);
    }
    return this.finished(store.runId, report);
  }

  /**
   * Work on the mailbox by hand (listing Failed, fixing a mail, undoing a filing): under the sync's
   * lease, so it never runs alongside a sync or the Queue watcher's. A sync holding the lease is
   * waited for a little (the watcher's runs are short), then refused plainly with 409.
   */
  async byHand<T>(user: AuthUser, work: (hand: ByHand) => Promise<T>): Promise<T> {
    const waitMs = this.options.leaseWaitMs ?? HAND_WAIT_MS;
    const until = Date.now() + waitMs;
    for (;;) {
      const outcome = await this.leases.run(syncLeaseKey(user), (lease) => this.byHandNow(user, lease, work));
      if (outcome.ran) return outcome.value;
      if (Date.now() >= until) throw busyForHand();
      await new Promise((r) => setTimeout(r, Math.min(HAND_POLL_MS, waitMs)));
    }
  }

  private async byHandNow<T>(user: AuthUser, lease: HeldLease, work: (hand: ByHand) => Promise<T>): Promise<T> {
    const settings = await this.settingsOrRefuse(user);
    const login = await this.loginOrRefuse(user);
    let mailbox: ImapMailbox | undefined;
    try {
      mailbox = await this.openMailbox(settings, { login, signal: lease.signal, timeouts: this.timeouts, preview: false });
      const folders = await mailbox.ensureFolders(lease.signal);
      const owner = [user.email, normaliseAddress(login.username)].filter((a): a is string => !!a);
      return await work({ mailbox, folders, owner, lease });
    } catch (e) {
      // The mail server's refusals in the same words as Authenticate's; anything else as it is.
      if (e instanceof SyncError) throw httpErrorFor(e);
      throw e;
    } finally {
      await mailbox?.close().catch(() => undefined);
    }
  }

  /**
   * A connection for watching the account's Queue (src/server/watch/): logged in with the stored
   * credentials, the folder tree ensured. Refuses as Start Sync does; the caller closes it.
   */
  async openQueueWatch(user: AuthUser, signal?: AbortSignal): Promise<{ mailbox: ImapMailbox; queue: string }> {
    const settings = await this.settingsOrRefuse(user);
    const login = await this.loginOrRefuse(user);
    const mailbox = await this.openMailbox(settings, { login, signal, timeouts: this.timeouts, preview: false });
    try {
      return { mailbox, queue: (await mailbox.ensureFolders(signal)).queue };
    } catch (e) {
      await mailbox.close().catch(() => undefined);
      throw e;
    }
  }

  /** The stored credentials, or a refusal that says what the agent does next. */
  private async loginOrRefuse(user: AuthUser): Promise<{ username: string; password: string }> {
    let login;
    try {
      login = await credentialsFor(this.ctx.db, this.cipher, user.id);
    } catch {
      // Encrypted under a key that is gone: the agent simply authenticates again.
      throw new ApiHttpError(
        409,
        'imap-not-connected',
        'Your email account needs connecting again: enter your email username and password and press Authenticate.',
        {
          cause: 'password-changed',
        },
      );
    }
    if (!login) {
      const state = await this.ctx.db.selectFrom('account_state').select('cause').where('user_id', '=', user.id).where('kind', '=', 'imap').executeTakeFirst();
      const revoked = state?.cause === 'server-settings-changed';
      throw new ApiHttpError(
        409,
        'imap-not-connected',
        revoked ? SETTINGS_CHANGED_MESSAGE : 'Connect your email account first: enter your email username and password and press Authenticate.',
        { cause: revoked ? 'server-settings-changed' : 'not-configured' },
      );
    }
    return login;
  }

  /** The run is recorded (the account state with it, by history.finishRun): log it and answer. */
  private finished(runId: string, report: SyncReport): ImapSyncResult {
    this.ctx.log.info(
      { runId, total: report.total, sent: report.sent, received: report.received, failed: report.failed, pending: report.pending, code: report.error?.code },
      'IMAP sync finished',
    );
    return { ...report, runId };
  }
}

/** The answer to a Start Sync while the account's sync runs (here, on another instance, or waits as a job). */
export const syncInProgress = (): ApiHttpError =>
  new ApiHttpError(409, 'sync-in-progress', 'A sync is already running for your mailbox; wait for it to finish.');

/** A fix or an undo while the account's sync still runs after the wait. */
export const busyForHand = (): ApiHttpError =>
  new ApiHttpError(
    409,
    'sync-in-progress',
    'A sync is running for your mailbox right now, so the mail was left as it was. Wait for the sync to finish, then try again.',
  );

/** The lease that makes one sync per account, across instances. */
export const syncLeaseKey = (user: Pick<AuthUser, 'id'>): string => `imap-sync:${user.id}`;

const services = new WeakMap<ServerContext, ImapService>();

/**
 * The service for an adapter context (one per process; the per-account sync lock is in the store). When a
 * key is configured (IMAP_KEY, or an existing key file) it is read now, and credentials sealed under
 * an older key are re-encrypted with the current one; otherwise the key file is created on the
 * first Authenticate.
 */
export async function imapServiceFor(ctx: ServerContext): Promise<ImapService> {
  let service = services.get(ctx);
  if (!service) {
    const load = () => cipherFromConfig(ctx.config);
    const stored = await imapDb(ctx.db).selectFrom('imap_accounts').select('user_id').limit(1).executeTakeFirst();
    const keyConfigured = Boolean(ctx.config.imap.key) || fs.existsSync(keyFilePath(ctx.config));
    service = new ImapService(ctx, keyConfigured || stored ? load() : load);
    services.set(ctx, service);
    if (stored) {
      const { rotated, unreadable } = await rotateCredentials(ctx.db, service.cipher);
      if (rotated || unreadable) ctx.log.info({ rotated, unreadable }, 'IMAP credentials re-encrypted with the current key');
    }
  }
  return service;
}

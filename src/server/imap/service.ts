/**
 * The IMAP companion's use cases: branch settings (admin), Authenticate, Stop Email Sync and Start
 * Sync for an agent. Start Sync runs the core engine server-side with ImapMailbox and the adapter's
 * own directory, and records the run exactly as a pane sync is recorded (history.finishRun).
 */
import { explain } from '../../core/explain';
import fs from 'node:fs';
import { toApiReport } from '../../core/api';
import { SyncError } from '../../core/causes';
import { normaliseAddress } from '../../core/addresses';
import { notStartedReport, syncQueue, type SyncProgress, type SyncReport } from '../../core/engine';
import type { FolderTree } from '../../core/ports';
import { stateAfter, type ConnectionState } from '../../core/status';
import type { AuthUser, ServerContext } from '../context';
import { directoryFor } from '../directory/core-adapter';
import { ApiHttpError } from '../errors';
import { audit, ensureRun, finishRun, putAccountState, recordFailure } from '../history';
import { credentialsFor, deleteAccount, getAccount, rotateCredentials, saveAccount, setAccountState } from './accounts';
import { cipherFromConfig, keyFilePath, type CredentialCipher } from './crypto';
import { imapDb } from './tables';
import { imapError } from './errors';
import { checkImapHost, imapHostPolicy, type ImapHostPolicy } from './host-policy';
import { ImapMailbox, type CommandCounts, type ImapMailboxOptions } from './mailbox';
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
  /** IMAP commands sent during the run, by name ("UID FETCH": 1, "UID MOVE": 3, …). */
  commands: CommandCounts;
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
  private readonly running = new Set<string>();
  /** One Authenticate per account at a time (a double click, two panes): the second waits for the first. */
  private readonly authenticating = new Map<string, Promise<unknown>>();
  private loaded?: CredentialCipher;
  private readonly policy: ImapHostPolicy;

  constructor(
    private readonly ctx: ServerContext,
    /** The cipher, or how to load it when first needed (so an adapter nobody uses IMAP on writes no key file). */
    private readonly key: CredentialCipher | (() => CredentialCipher),
    private readonly options: { timeouts?: { connectMs?: number; greetingMs?: number; socketMs?: number }; preview?: boolean } = {},
  ) {
    this.policy = imapHostPolicy(ctx.config.imap.allowedHosts ?? [], ctx.config.imap.allowedPorts ?? []).policy;
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

  private async assertOwnBranch(admin: AuthUser, branchId: string) {
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
      await putAccountState(this.ctx.db, agent, 'imap', 'authorisation-failed', 'server-settings-changed', at);
      await recordFailure(this.ctx.db, agent, 'imap', { code: 'server-settings-changed', message: SETTINGS_CHANGED_MESSAGE }, at);
    }
    this.ctx.log.info({ branchId, actor: admin.id, credentialsRevoked: revokedUserIds.length }, 'branch IMAP settings saved');
    return { ...settingsToApi(saved), warnings: v.warnings, credentialsRevoked: revokedUserIds.length };
  }

  // ---- agent ----

  async view(user: AuthUser) {
    const [settings, account] = await Promise.all([getBranchSettings(this.ctx.db, user.branchId), getAccount(this.ctx.db, user.id)]);
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
      syncing: this.running.has(user.id),
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
      await putAccountState(this.ctx.db, user, 'imap', 'connected', null, this.now().toISOString());
      await audit(this.ctx.db, user, 'imap.authenticate', { username }, this.now());
      this.ctx.log.info({ userId: user.id }, 'IMAP account connected');
      return { username, state: 'connected', folders, delimiter: mailbox.delimiter };
    } catch (e) {
      if (e instanceof ApiHttpError) throw e;
      const err = imapError(e);
      const state = stateAfter(err.code) ?? 'disconnected';
      await putAccountState(this.ctx.db, user, 'imap', state, err.code, this.now().toISOString());
      await setAccountState(this.ctx.db, user.id, state, err.code, this.now());
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
    return { deleted };
  }

  /** Start Sync: files whatever is in Queue. One run per user at a time. */
  async sync(user: AuthUser, options: SyncCallOptions = {}): Promise<ImapSyncResult> {
    if (this.running.has(user.id)) throw new ApiHttpError(409, 'sync-in-progress', 'A sync is already running for your mailbox; wait for it to finish.');
    this.running.add(user.id);
    try {
      return await this.runSync(user, options);
    } finally {
      this.running.delete(user.id);
    }
  }

  private async runSync(user: AuthUser, options: SyncCallOptions): Promise<ImapSyncResult> {
    const settings = await this.settingsOrRefuse(user);
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
      const state = await this.ctx.db.selectFrom('account_state').select(['kind', 'cause']).where('user_id', '=', user.id).executeTakeFirst();
      const revoked = state?.kind === 'imap' && state.cause === 'server-settings-changed';
      throw new ApiHttpError(
        409,
        'imap-not-connected',
        revoked ? SETTINGS_CHANGED_MESSAGE : 'Connect your email account first: enter your email username and password and press Authenticate.',
        { cause: revoked ? 'server-settings-changed' : 'not-configured' },
      );
    }

    const startedAt = this.now();
    const runId = await ensureRun(this.ctx.db, user, undefined, 'imap', startedAt);
    let mailbox: ImapMailbox | undefined;
    let report: SyncReport;
    let failure: SyncError | undefined;
    try {
      // Envelopes only by default: the embedded store keeps no preview, and the 256-byte body peek
      // roughly doubles the cost of the one FETCH (Dovecot reads every file; imapflow parses more).
      mailbox = await this.openMailbox(settings, { login, signal: options.signal, timeouts: this.timeouts, preview: this.options.preview ?? false });
      const owner = [user.email, normaliseAddress(login.username)].filter((a): a is string => !!a);
      report = await syncQueue(mailbox, directoryFor(this.ctx, user, { runId }), {
        owner: { addresses: owner },
        batchSize: SYNC_BATCH,
        concurrency: 1,
        signal: options.signal,
        onProgress: options.onProgress,
        now: () => this.now(),
        keepResults: RESULTS_KEPT,
      });
    } catch (e) {
      failure = imapError(e);
      report = notStartedReport(failure, startedAt, this.now());
    } finally {
      await mailbox?.close().catch(() => undefined);
    }

    const summary = toApiReport(report, runId, 'imap', {
      client: { version: 'imap-companion', host: 'adapter' },
      providerCode: failure?.detail.providerCode,
    });
    // The same bookkeeping as a pane's /sync/report: run row, account state, failures.
    await finishRun(this.ctx.db, user, summary, this.now());
    if (report.error) {
      const state = stateAfter(report.error.code);
      if (state) await setAccountState(this.ctx.db, user.id, state, report.error.code, this.now());
    } else {
      await setAccountState(this.ctx.db, user.id, 'connected', null, this.now());
    }
    this.ctx.log.info(
      { runId, total: report.total, sent: report.sent, received: report.received, failed: report.failed, pending: report.pending, code: report.error?.code },
      'IMAP sync finished',
    );
    return { ...report, runId, commands: mailbox?.commandCounts() ?? {} };
  }
}

const services = new WeakMap<ServerContext, ImapService>();

/**
 * The service for an adapter context (one per process: the per-user sync lock lives here). When a
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

/**
 * Graph tokens on the agent's behalf, server-side: the on-behalf-of grant once (the pane's token
 * for the adapter as the assertion, with offline_access so a refresh token comes back), then the
 * refresh_token grant each time an access token is needed — "Microsoft identity platform and OAuth
 * 2.0 On-Behalf-Of flow" and "Refresh tokens in the Microsoft identity platform" on Microsoft Learn.
 * A refused grant becomes a GrantRefused with plain words: `stop` says the account is not to be
 * polled again until the agent acts (missing consent, a sign-in the user must make, a revoked token).
 * The adapter proves itself with its client secret or, as Microsoft recommends for production, with a
 * certificate: a fresh signed client assertion on every grant (client-assertion.ts).
 */
import type { CauseCode } from '../../core/causes';
import { JWT_BEARER } from '../auth/obo-grants';
import { CLIENT_ASSERTION_TYPE, clientAssertion, type ClientCertificate } from './client-assertion';

/** Delegated Graph permissions automatic filing needs; offline_access brings the refresh token. */
export const GRAPH_SCOPES = 'https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/User.Read offline_access';

/** Exactly one credential: the client secret, or the certificate whose key signs a client assertion. */
export type GraphClientCredentials = {
  /** The tenant's token endpoint: https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token */
  tokenUrl: string;
  clientId: string;
  scope?: string;
} & ({ clientSecret: string; certificate?: undefined } | { certificate: ClientCertificate; clientSecret?: undefined });

/** The credentials config.graph gives, or undefined while Office 365 automatic filing is not set up. */
export function graphClientOf(graph: {
  clientId?: string;
  clientSecret?: string;
  certificate?: ClientCertificate;
  tokenUrl?: string;
}): GraphClientCredentials | undefined {
  const { clientId, clientSecret, certificate, tokenUrl } = graph;
  if (!clientId || !tokenUrl) return undefined;
  if (certificate) return { clientId, tokenUrl, certificate };
  return clientSecret ? { clientId, tokenUrl, clientSecret } : undefined;
}

export interface GraphTokenSet {
  accessToken: string;
  /** Microsoft may answer a new refresh token: it replaces the stored one. */
  refreshToken?: string;
  expiresAt: number;
}

export type GrantCause = 'consent-missing' | 'interaction-required' | 'grant-revoked' | 'client-refused' | 'unreachable';

export class GrantRefused extends Error {
  constructor(
    readonly reason: GrantCause,
    message: string,
    /** The AADSTS code Microsoft answered, for the support report. */
    readonly providerCode?: string,
  ) {
    super(message);
    this.name = 'GrantRefused';
  }
  /** Polling again cannot help: the agent (or their IT) has to act first. */
  get stop(): boolean {
    return this.reason !== 'unreachable';
  }
}

const WORDS: Record<GrantCause, string> = {
  'consent-missing':
    'Automatic filing needs your organisation’s consent to read and move your mail. Ask your IT administrator to grant admin consent for the Rezi Email Sync add-in, then turn automatic filing on again from the task pane.',
  'interaction-required':
    'Your organisation asks you to sign in again (for example, multi-factor authentication) before mail can be filed automatically. Open the task pane, sign in, and turn automatic filing on again.',
  'grant-revoked':
    'Your Microsoft 365 sign-in for automatic filing has ended (the password changed or the sessions were revoked). Open the task pane and turn automatic filing on again.',
  'client-refused':
    'The adapter’s own Microsoft 365 credentials were refused, so automatic filing cannot start. Nothing is wrong with your account: ask your IT administrator to check GRAPH_CLIENT_ID and the adapter’s client certificate (or client secret) in its app registration.',
  unreachable: 'Microsoft 365 sign-in could not be reached; automatic filing will try again shortly.',
};

/**
 * The cause the pane explains for a refusal: the adapter's own credentials are IT's to fix (the agent
 * signing in again would not help), consent is the administrator's, anything else a sign-in to renew.
 */
export function causeOfRefusal(reason: GrantCause): CauseCode {
  if (reason === 'client-refused') return 'not-configured';
  return reason === 'consent-missing' ? 'consent-missing' : 'authorisation-expired';
}

function refusal(status: number, body: { error?: string; error_codes?: number[]; suberror?: string }): GrantRefused {
  const code = body.error_codes?.[0];
  const providerCode = code ? `AADSTS${code}` : undefined;
  const cause: GrantCause =
    body.error === 'interaction_required'
      ? 'interaction-required'
      : code === 65001 || body.suberror === 'consent_required'
        ? 'consent-missing'
        : body.error === 'invalid_client' || body.error === 'unauthorized_client'
          ? 'client-refused'
          : status >= 500
            ? 'unreachable'
            : 'grant-revoked';
  return new GrantRefused(cause, WORDS[cause], providerCode);
}

export class GraphTokens {
  constructor(
    private readonly client: GraphClientCredentials,
    private readonly now: () => number = Date.now,
  ) {}

  /** The client's proof of itself: its secret, or a new assertion (one jti per request). */
  private credential(): Record<string, string> {
    const { certificate, clientSecret, clientId, tokenUrl } = this.client;
    if (!certificate) return { client_secret: clientSecret };
    return { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: clientAssertion(certificate, clientId, tokenUrl, this.now()) };
  }

  private async grant(fields: Record<string, string>): Promise<GraphTokenSet> {
    const form = new URLSearchParams({
      client_id: this.client.clientId,
      ...this.credential(),
      scope: this.client.scope ?? GRAPH_SCOPES,
      ...fields,
    });
    let res: Response;
    try {
      res = await fetch(this.client.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    } catch {
      throw new GrantRefused('unreachable', WORDS.unreachable);
    }
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; refresh_token?: string; expires_in?: number; error?: string };
    if (!res.ok || !body.access_token) throw refusal(res.status, body);
    return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: this.now() + (body.expires_in ?? 3600) * 1000 };
  }

  /** The on-behalf-of grant: `assertion` is the token the pane called the adapter with. */
  async onBehalfOf(assertion: string): Promise<GraphTokenSet & { refreshToken: string }> {
    const set = await this.grant({ grant_type: JWT_BEARER, assertion, requested_token_use: 'on_behalf_of' });
    // Without offline_access granted there is nothing to poll with once the pane closes.
    if (!set.refreshToken) throw new GrantRefused('consent-missing', WORDS['consent-missing']);
    return { ...set, refreshToken: set.refreshToken };
  }

  refresh(refreshToken: string): Promise<GraphTokenSet> {
    return this.grant({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }
}

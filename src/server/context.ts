/** What every part of the adapter is handed: configuration, store, directory, logger, clock. */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { DirectoryStore } from './directory/types';
import type { Database, Role } from './store/schema';

/** The caller, as mapped from a validated access token to a row in `users`. */
export interface AuthUser {
  /** users.id */
  id: string;
  tenantId: string;
  /** Entra object id of the token's subject. */
  oid: string | null;
  email: string;
  name: string;
  branchId: string;
  branchName: string;
  role: Role;
}

/** A users row with its branch's name, as the store answers it (user_id where the row comes from another table). */
export interface UserRowWithBranch {
  user_id: string;
  tenant_id: string;
  oid: string | null;
  email: string;
  name: string;
  branch_id: string;
  branch_name: string;
  role: Role;
}

export const authUserOf = (r: UserRowWithBranch): AuthUser => ({
  id: r.user_id,
  tenantId: r.tenant_id,
  oid: r.oid,
  email: r.email,
  name: r.name,
  branchId: r.branch_id,
  branchName: r.branch_name,
  role: r.role,
});

/** Validates a bearer token and maps it to a user; throws AuthError (401/403) otherwise. */
export interface TokenVerifier {
  authenticate(authorization: string | undefined): Promise<AuthUser>;
}

export interface ServerContext {
  config: Config;
  db: Kysely<Database>;
  directory: DirectoryStore;
  tokens: TokenVerifier;
  log: Logger;
  clock: () => Date;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every /api/v1 route; undefined only on public routes. */
    user: AuthUser;
  }
}

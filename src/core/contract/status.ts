/** GET /status: the caller, their connection state, last sync and recent failures (and an outage, if suspected). */
import { type Static, Type } from '@sinclair/typebox';
import { WatchStatusSchema } from './watch';
import { AccountKindSchema, CauseCodeSchema, ConnectionStateSchema, SourceSchema, StringEnum } from './common';

export const ApiStatus = Type.Object({
  user: Type.Object({
    id: Type.String(),
    name: Type.String(),
    email: Type.String(),
    branchId: Type.String(),
    branchName: Type.String(),
    role: StringEnum(['agent', 'admin'] as const),
  }),
  account: Type.Object({
    kind: AccountKindSchema,
    state: ConnectionStateSchema,
    /** The last cause that changed the state, if it is not Connected. */
    cause: Type.Optional(CauseCodeSchema),
    /** IMAP: username shown back (never the password). */
    username: Type.Optional(Type.String()),
    /** IMAP: whether the branch has server settings. */
    branchConfigured: Type.Optional(Type.Boolean()),
    /** IMAP: the branch's server is reached without SSL or TLS (set so on purpose by IT): passwords cross the network in clear text. */
    connectionInsecure: Type.Optional(Type.Boolean()),
    /** IMAP, and Office 365 with automatic filing on: whether the Queue is watched (new mail filed automatically) and when that last ran. */
    watch: Type.Optional(WatchStatusSchema),
    /** Office 365: whether this adapter can file automatically on the agent's behalf (IT set up its app registration for it). */
    graphAutomaticFiling: Type.Optional(Type.Boolean()),
  }),
  lastSync: Type.Optional(
    Type.Object({
      runId: Type.String(),
      source: SourceSchema,
      finishedAt: Type.String(),
      total: Type.Integer(),
      sent: Type.Integer(),
      received: Type.Integer(),
      failed: Type.Integer(),
      pending: Type.Integer(),
      error: Type.Optional(Type.Object({ code: CauseCodeSchema, message: Type.String() })),
    }),
  ),
  recentFailures: Type.Array(Type.Object({ at: Type.String(), code: CauseCodeSchema, message: Type.String(), providerCode: Type.Optional(Type.String()) })),
  outage: Type.Optional(
    Type.Object({
      suspected: Type.Boolean(),
      provider: StringEnum(['microsoft365', 'imap'] as const),
      affectedUsers: Type.Integer(),
      since: Type.String(),
      message: Type.String(),
    }),
  ),
});
export type ApiStatus = Static<typeof ApiStatus>;

/**
 * Automatic filing of IMAP Queues: the per-branch switch (admin). On unless the branch's IT turned
 * it off; while on, each connected account's Queue is watched and new mail filed without a press of Start Sync.
 */
import { type Static, Type } from '@sinclair/typebox';

export const AutomaticFilingForm = Type.Object({ enabled: Type.Boolean() });
export type AutomaticFilingForm = Static<typeof AutomaticFilingForm>;

export const AutomaticFiling = Type.Object({
  branchId: Type.String(),
  enabled: Type.Boolean(),
  /** Who last changed it, and when; null while the branch keeps the default (on). */
  updatedBy: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
});
export type AutomaticFiling = Static<typeof AutomaticFiling>;

/** /status: whether the caller's Queue is watched, and when the last automatic run finished. */
export const WatchStatusSchema = Type.Object({
  watched: Type.Boolean(),
  /** The branch files automatically (its IT has not turned it off). */
  enabled: Type.Boolean(),
  lastRunAt: Type.Optional(Type.String()),
  /** Office 365: how often the adapter asks the Queue for changes, in seconds (an IMAP Queue is watched as mail arrives). */
  pollSeconds: Type.Optional(Type.Integer()),
});

/** Office 365 automatic filing turned on: the adapter holds a grant on the agent's behalf and polls their Queue. */
export const GraphAutomaticFilingOn = Type.Object({
  enabled: Type.Literal(true),
  /** How often the Queue is asked for changes, in seconds. */
  pollSeconds: Type.Integer(),
});
export type GraphAutomaticFilingOn = Static<typeof GraphAutomaticFilingOn>;

/** Stop Email Sync for Office 365: whether a stored grant (refresh token) was deleted. */
export const GraphAutomaticFilingOff = Type.Object({ deleted: Type.Boolean() });
export type GraphAutomaticFilingOff = Static<typeof GraphAutomaticFilingOff>;

/**
 * The adapter's HTTP API (/api/v1): the contract between the task pane (and ribbon command) and the
 * Rezi backend adapter. Each request and response is written once, as a TypeBox schema in
 * core/contract/ (the route table is contract/routes.ts); the types here are those schemas' Static<>.
 */
import type { SyncReport } from './engine';
import type { ApiSyncReport } from './contract/filing';

export { API_PREFIX, routes, serviceRoutes, type RouteInput, type RouteName, type RouteReply, type RouteSpec } from './contract/routes';
export { ApiError, type AccountKind } from './contract/common';
export {
  ApiAddress,
  ApiFileMessage,
  ApiFileOutcome,
  ApiFileRequest,
  ApiFileResponse,
  ApiMatchedGroup,
  ApiSyncReport,
  MAX_FILE_BATCH,
  MAX_RECIPIENTS,
} from './contract/filing';
export { ApiStatus } from './contract/status';
export {
  ImapBranchSettings,
  ImapConnected,
  ImapCredentials,
  ImapFailedList,
  ImapFailedMail,
  ImapFixBody,
  ImapForgotten,
  ImapSettingsSaved,
  ImapSyncResult,
  ImapSyncStarted,
  ImapUnfileBody,
  ImapView,
} from './contract/imap';
export { SupportCaseCreated, SupportReportBody } from './contract/support';
export { AutomaticFiling, AutomaticFilingForm, GraphAutomaticFilingOff, GraphAutomaticFilingOn } from './contract/watch';
export {
  FileToGroupsBody,
  FileToGroupsResult,
  FilingRules,
  FilingRulesBody,
  GroupSearchBody,
  GroupSearchResult,
  UnfileBody,
  UnfileResult,
} from './contract/directory';

/** The summary of an engine report that the history records, for either path. */
export function toApiReport(
  report: SyncReport,
  runId: string,
  source: ApiSyncReport['source'],
  extra: { client?: ApiSyncReport['client']; providerCode?: string } = {},
): ApiSyncReport {
  const r: ApiSyncReport = {
    runId,
    source,
    total: report.total,
    sent: report.sent,
    received: report.received,
    failed: report.failed,
    pending: report.pending,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
  };
  if (report.error) r.error = { code: report.error.code, message: report.error.message, ...(extra.providerCode ? { providerCode: extra.providerCode } : {}) };
  if (extra.client) r.client = extra.client;
  return r;
}

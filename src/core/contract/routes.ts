/**
 * Every /api/v1 route, once: method, path, request and response schemas. The adapter registers its
 * handlers against these entries (Fastify validates and serialises with the schemas, OpenAPI is
 * built from them) and the client derives each call's types from the same entry.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { COMMON_ERRORS, errorsFor, NoContent, StringEnum } from './common';
import { FileToGroupsBody, FileToGroupsResult, FilingRules, FilingRulesBody, GroupSearchBody, GroupSearchResult, UnfileBody, UnfileResult } from './directory';
import { ApiContentRequest, BranchPrivacy, BranchPrivacyForm } from './content';
import { ApiFileRequest, ApiFileResponse, ApiSyncReport } from './filing';
import {
  BranchParams,
  ImapBranchSettings,
  ImapConnected,
  ImapCredentials,
  ImapFailedList,
  ImapFixBody,
  ImapForgotten,
  ImapSettingsForm,
  ImapSettingsInvalid,
  ImapSettingsSaved,
  ImapSyncResult,
  ImapSyncStarted,
  ImapUnfileBody,
  ImapView,
} from './imap';
import { ApiStatus } from './status';
import { AutomaticFiling, AutomaticFilingForm, GraphAutomaticFilingOff, GraphAutomaticFilingOn } from './watch';
import { SupportCaseCreated, SupportReportBody } from './support';

export const API_PREFIX = '/api/v1';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  method: HttpMethod;
  /** Under API_PREFIX (service routes: absolute); `:name` segments are path parameters. */
  path: string;
  summary: string;
  params?: TSchema;
  body?: TSchema;
  /** By status; the one 2xx is the answer, the others are errors. */
  response: Record<number, TSchema>;
  /** OpenAPI security requirements; `[]`: no token needed (default: the bearer token). */
  security?: readonly never[];
}

const errors = errorsFor(...COMMON_ERRORS);
/** The IMAP exchange's own failures: a refused login (422), a server that cannot be reached or trusted (502). */
const imapErrors = errorsFor(...COMMON_ERRORS, 422, 502);

export const routes = {
  fileMail: {
    method: 'POST',
    path: '/mail/file',
    summary: 'File a batch of mails into Rezi',
    body: ApiFileRequest,
    response: { 200: ApiFileResponse, ...errors },
  },
  reportSync: {
    method: 'POST',
    path: '/sync/report',
    summary: 'Finish a sync run with the client’s summary',
    body: ApiSyncReport,
    response: { 204: NoContent, ...errors },
  },
  status: {
    method: 'GET',
    path: '/status',
    summary: 'The caller’s connection state, last sync and recent failures',
    response: { 200: ApiStatus, ...errors },
  },
  branchImapSettings: {
    method: 'GET',
    path: '/admin/branches/:branchId/imap',
    summary: 'A branch’s IMAP server settings (admin)',
    params: BranchParams,
    response: { 200: ImapBranchSettings, ...errors },
  },
  putBranchImapSettings: {
    method: 'PUT',
    path: '/admin/branches/:branchId/imap',
    summary: 'Create or replace a branch’s IMAP server settings (admin)',
    params: BranchParams,
    body: ImapSettingsForm,
    response: { 200: ImapSettingsSaved, ...errors, 400: ImapSettingsInvalid },
  },
  branchAutomaticFiling: {
    method: 'GET',
    path: '/admin/branches/:branchId/imap/automatic-filing',
    summary: 'Whether a branch’s connected IMAP accounts are watched and new mail filed automatically (admin)',
    params: BranchParams,
    response: { 200: AutomaticFiling, ...errors },
  },
  putBranchAutomaticFiling: {
    method: 'PUT',
    path: '/admin/branches/:branchId/imap/automatic-filing',
    summary: 'Turn automatic filing on or off for a branch’s IMAP accounts (admin)',
    params: BranchParams,
    body: AutomaticFilingForm,
    response: { 200: AutomaticFiling, ...errors },
  },
  searchGroups: {
    method: 'POST',
    path: '/groups/search',
    summary: 'Search the caller’s branch’s group cards by name, address, postcode or contact name (bounded)',
    body: GroupSearchBody,
    response: { 200: GroupSearchResult, ...errors },
  },
  fileToGroups: {
    method: 'POST',
    path: '/mail/file-to-groups',
    summary: 'File a Failed mail onto chosen group cards (exactly once); optionally remember its address on a contact (audited)',
    body: FileToGroupsBody,
    response: { 200: FileToGroupsResult, ...errors },
  },
  unfileMail: {
    method: 'POST',
    path: '/mail/unfile',
    summary: 'Undo the caller’s filing of a mail (audited; the same answer when asked again)',
    body: UnfileBody,
    response: { 200: UnfileResult, ...errors },
  },
  branchFilingRules: {
    method: 'GET',
    path: '/admin/branches/:branchId/filing-rules',
    summary: 'A branch’s filing rules: the agency’s own domains and the never-file list (admin)',
    params: BranchParams,
    response: { 200: FilingRules, ...errors },
  },
  putBranchFilingRules: {
    method: 'PUT',
    path: '/admin/branches/:branchId/filing-rules',
    summary: 'Replace a branch’s filing rules (admin; audited)',
    params: BranchParams,
    body: FilingRulesBody,
    response: { 200: FilingRules, ...errors },
  },
  attachContent: {
    method: 'POST',
    path: '/mail/content',
    summary: 'Filed mails’ content (body, attachments) for their timeline events, as far as the branch’s privacy level allows',
    body: ApiContentRequest,
    response: { 204: NoContent, ...errors },
  },
  branchPrivacy: {
    method: 'GET',
    path: '/admin/branches/:branchId/privacy',
    summary: 'How much of a mail’s content a branch keeps on the timeline (admin)',
    params: BranchParams,
    response: { 200: BranchPrivacy, ...errors },
  },
  putBranchPrivacy: {
    method: 'PUT',
    path: '/admin/branches/:branchId/privacy',
    summary: 'Set how much of a mail’s content a branch keeps on the timeline: metadata, preview, body or attachments (admin)',
    params: BranchParams,
    body: BranchPrivacyForm,
    response: { 200: BranchPrivacy, ...errors },
  },
  imapView: {
    method: 'GET',
    path: '/imap',
    summary: 'The caller’s IMAP connection: branch settings present, account state (never the password)',
    response: { 200: ImapView, ...errors },
  },
  imapAuthenticate: {
    method: 'POST',
    path: '/imap/authenticate',
    summary: 'Connect an IMAP mailbox: log in, create the Rezi-Imported folders, store the credentials encrypted',
    body: ImapCredentials,
    response: { 200: ImapConnected, ...imapErrors },
  },
  imapForget: {
    method: 'DELETE',
    path: '/imap/credentials',
    summary: 'Stop Email Sync: delete the stored IMAP credentials',
    response: { 200: ImapForgotten, ...errors },
  },
  graphAutomaticFilingOn: {
    method: 'POST',
    path: '/graph/automatic-filing',
    summary: 'Office 365 automatic filing: exchange the caller’s token on their behalf (OBO, offline_access) and poll their Queue',
    response: { 200: GraphAutomaticFilingOn, ...imapErrors },
  },
  graphAutomaticFilingOff: {
    method: 'DELETE',
    path: '/graph/automatic-filing',
    summary: 'Stop Email Sync for Office 365: delete the stored refresh token; the Queue is polled no more',
    response: { 200: GraphAutomaticFilingOff, ...errors },
  },
  imapSync: {
    method: 'POST',
    path: '/imap/sync',
    summary: 'Start Sync: file the mails in Rezi-Imported/Queue',
    response: { 200: ImapSyncResult, 202: ImapSyncStarted, ...imapErrors },
  },
  imapFailed: {
    method: 'GET',
    path: '/imap/failed',
    summary: 'The newest mails in the caller’s Rezi-Imported/Failed, read from the IMAP server now, and the Queue and Failed counts',
    response: { 200: ImapFailedList, ...imapErrors },
  },
  imapFix: {
    method: 'POST',
    path: '/imap/fix',
    summary: 'File a Failed IMAP mail (by Message-ID) onto chosen group cards, then move it to Sent or Received (audited; the same answer when asked again)',
    body: ImapFixBody,
    response: { 200: FileToGroupsResult, ...imapErrors },
  },
  imapUnfile: {
    method: 'POST',
    path: '/imap/unfile',
    summary: 'Undo the caller’s filing of an IMAP mail (by Message-ID), then move it back to INBOX (audited; the same answer when asked again)',
    body: ImapUnfileBody,
    response: { 200: UnfileResult, ...imapErrors },
  },
  supportCase: {
    method: 'POST',
    path: '/support/cases',
    summary: 'Escalate to Rezi support: store the diagnostics report, answer a reference to quote',
    body: SupportReportBody,
    response: { 201: SupportCaseCreated, ...errors },
  },
} as const satisfies Record<string, RouteSpec>;

export type Routes = typeof routes;
export type RouteName = keyof Routes;

type Success<R> = R extends { 200: infer S extends TSchema }
  ? S
  : R extends { 201: infer S extends TSchema }
    ? S
    : R extends { 204: infer S extends TSchema }
      ? S
      : never;
/** What a route answers on success. */
export type RouteReply<N extends RouteName> = Static<Success<Routes[N]['response']>>;
/** What a route takes: its body and path parameters, where it has them. */
export type RouteInput<N extends RouteName> = (Routes[N] extends { body: infer B extends TSchema } ? { body: Static<B> } : { body?: undefined }) &
  (Routes[N] extends { params: infer P extends TSchema } ? { params: Static<P> } : { params?: undefined });

/** The service's own routes, outside /api/v1 and without sign-in: load balancers and probes call them. */
const Health = Type.Object({ status: StringEnum(['ok', 'ready', 'not-ready'] as const) });
export const serviceRoutes = {
  healthz: { method: 'GET', path: '/healthz', summary: 'Liveness: the process answers', security: [], response: { 200: Health } },
  readyz: { method: 'GET', path: '/readyz', summary: 'Readiness: the store and the directory answer', security: [], response: { 200: Health, 503: Health } },
} as const satisfies Record<string, RouteSpec>;

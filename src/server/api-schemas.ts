/**
 * JSON Schemas of the /api/v1 contract (src/core/api.ts). Fastify validates requests with them,
 * serialises responses with them, and @fastify/swagger publishes them as OpenAPI.
 */
import { CAUSE_CODES } from '../core/causes';
import { MAX_FILE_BATCH } from '../core/api';

/**
 * Recipients (To, then Cc) a mail is matched by: more is a mass mailing (or an attack). Such a mail is
 * still filed, by its first MAX_RECIPIENTS, and its outcome says the rest were ignored.
 */
export const MAX_RECIPIENTS = 500;
/** Entries accepted per list; the body limit bounds the request anyway. */
const MAX_LIST_ENTRIES = 20_000;
const ADDRESS_MAX = 320;

const causeCode = { type: 'string', enum: [...CAUSE_CODES] } as const;
const connectionState = { type: 'string', enum: ['connected', 'disconnected', 'authorisation-failed', 'syncing'] } as const;

export const apiAddress = {
  $id: 'ApiAddress',
  type: 'object',
  required: ['address'],
  properties: {
    address: { type: 'string', maxLength: ADDRESS_MAX },
    name: { type: 'string', maxLength: 500 },
  },
} as const;

const addressList = (maxItems: number) => ({ type: 'array', maxItems, items: { $ref: 'ApiAddress#' } }) as const;

export const apiFileMessage = {
  $id: 'ApiFileMessage',
  type: 'object',
  required: ['internetMessageId', 'from', 'to', 'date', 'subject', 'preview', 'direction'],
  properties: {
    internetMessageId: { type: 'string', maxLength: 1000 },
    from: addressList(20),
    to: addressList(MAX_LIST_ENTRIES),
    cc: addressList(MAX_LIST_ENTRIES),
    date: { type: 'string', maxLength: 100 },
    subject: { type: 'string', maxLength: 4000 },
    preview: { type: 'string', maxLength: 4000 },
    direction: { type: 'string', enum: ['inbound', 'outbound'] },
  },
} as const;

export const apiFileRequest = {
  $id: 'ApiFileRequest',
  type: 'object',
  required: ['ownerAddresses', 'messages'],
  properties: {
    runId: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' },
    ownerAddresses: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: ADDRESS_MAX } },
    includeCc: { type: 'boolean' },
    messages: { type: 'array', maxItems: MAX_FILE_BATCH, items: { $ref: 'ApiFileMessage#' } },
  },
} as const;

const matchedGroup = {
  type: 'object',
  required: ['groupId', 'name', 'link', 'eventId'],
  properties: { groupId: { type: 'string' }, name: { type: 'string' }, link: { type: 'string' }, eventId: { type: 'string' } },
} as const;

export const apiFileOutcome = {
  $id: 'ApiFileOutcome',
  type: 'object',
  required: ['internetMessageId', 'status'],
  properties: {
    internetMessageId: { type: 'string' },
    status: { type: 'string', enum: ['filed', 'unmatched', 'error'] },
    groups: { type: 'array', items: matchedGroup },
    reason: { type: 'string', enum: ['no-matching-group', 'invalid-message'] },
    cause: causeCode,
    message: { type: 'string' },
  },
} as const;

export const apiFileResponse = {
  $id: 'ApiFileResponse',
  type: 'object',
  required: ['runId', 'outcomes'],
  properties: { runId: { type: 'string' }, outcomes: { type: 'array', items: { $ref: 'ApiFileOutcome#' } } },
} as const;

const count = { type: 'integer', minimum: 0, maximum: 1_000_000 } as const;
const isoTime = { type: 'string', maxLength: 100, format: 'date-time' } as const;

export const apiSyncReport = {
  $id: 'ApiSyncReport',
  type: 'object',
  required: ['runId', 'source', 'total', 'sent', 'received', 'failed', 'pending', 'startedAt', 'finishedAt'],
  properties: {
    runId: apiFileRequest.properties.runId,
    source: { type: 'string', enum: ['graph', 'imap'] },
    total: count,
    sent: count,
    received: count,
    failed: count,
    pending: count,
    startedAt: isoTime,
    finishedAt: isoTime,
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: causeCode, message: { type: 'string', maxLength: 2000 }, providerCode: { type: 'string', maxLength: 200 } },
    },
    client: {
      type: 'object',
      required: ['version'],
      properties: { version: { type: 'string', maxLength: 100 }, host: { type: 'string', maxLength: 100 }, platform: { type: 'string', maxLength: 100 } },
    },
  },
} as const;

export const apiStatus = {
  $id: 'ApiStatus',
  type: 'object',
  required: ['user', 'account', 'recentFailures'],
  properties: {
    user: {
      type: 'object',
      required: ['id', 'name', 'email', 'branchId', 'branchName', 'role'],
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        email: { type: 'string' },
        branchId: { type: 'string' },
        branchName: { type: 'string' },
        role: { type: 'string', enum: ['agent', 'admin'] },
      },
    },
    account: {
      type: 'object',
      required: ['kind', 'state'],
      properties: {
        kind: { type: 'string', enum: ['office365', 'imap', 'none'] },
        state: connectionState,
        cause: causeCode,
        username: { type: 'string' },
        branchConfigured: { type: 'boolean' },
        connectionInsecure: { type: 'boolean' },
      },
    },
    lastSync: {
      type: 'object',
      required: ['runId', 'source', 'finishedAt', 'total', 'sent', 'received', 'failed', 'pending'],
      properties: {
        runId: { type: 'string' },
        source: { type: 'string', enum: ['graph', 'imap'] },
        finishedAt: { type: 'string' },
        total: { type: 'integer' },
        sent: { type: 'integer' },
        received: { type: 'integer' },
        failed: { type: 'integer' },
        pending: { type: 'integer' },
        error: { type: 'object', required: ['code', 'message'], properties: { code: causeCode, message: { type: 'string' } } },
      },
    },
    recentFailures: {
      type: 'array',
      items: {
        type: 'object',
        required: ['at', 'code', 'message'],
        properties: { at: { type: 'string' }, code: causeCode, message: { type: 'string' }, providerCode: { type: 'string' } },
      },
    },
    outage: {
      type: 'object',
      required: ['suspected', 'provider', 'affectedUsers', 'since', 'message'],
      properties: {
        suspected: { type: 'boolean' },
        provider: { type: 'string', enum: ['microsoft365', 'google', 'imap'] },
        affectedUsers: { type: 'integer' },
        since: { type: 'string' },
        message: { type: 'string' },
      },
    },
  },
} as const;

export const apiError = {
  $id: 'ApiError',
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, requestId: { type: 'string' }, cause: causeCode },
} as const;

/** Shared schemas, added with app.addSchema (referenced as 'Name#'). */
export const sharedSchemas = [apiAddress, apiFileMessage, apiFileRequest, apiFileOutcome, apiFileResponse, apiSyncReport, apiStatus, apiError];

/** 4xx/5xx responses every authenticated route can give. */
export const errorResponses = {
  400: { $ref: 'ApiError#' },
  401: { $ref: 'ApiError#' },
  403: { $ref: 'ApiError#' },
  409: { $ref: 'ApiError#' },
  413: { $ref: 'ApiError#' },
  429: { $ref: 'ApiError#' },
  503: { $ref: 'ApiError#' },
} as const;

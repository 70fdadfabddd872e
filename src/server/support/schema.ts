/**
 * JSON Schema for POST /api/v1/support/cases: the SupportReport of src/core/support-report.ts.
 * Bounded everywhere so a report can't be used to store arbitrary bulk; unknown top-level fields are
 * dropped by Fastify's validator (removeAdditional) — and everything is redacted again anyway.
 */
const str = (max: number) => ({ type: 'string', maxLength: max }) as const;
const shortStr = str(200);
const text = str(2000);
const count = { type: 'integer', minimum: 0, maximum: 1_000_000 } as const;

export const supportReportSchema = {
  type: 'object',
  required: ['version', 'createdAt', 'likelyCause', 'nextStep', 'checks', 'account', 'client'],
  additionalProperties: false,
  properties: {
    version: { type: 'integer', minimum: 1, maximum: 100 },
    createdAt: shortStr,
    cause: shortStr,
    likelyCause: text,
    nextStep: shortStr,
    checks: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        required: ['id', 'outcome', 'detail'],
        additionalProperties: false,
        properties: { id: shortStr, outcome: { type: 'string', enum: ['pass', 'fail', 'warn', 'skipped'] }, detail: text },
      },
    },
    steps: {
      type: 'array',
      maxItems: 20,
      items: { type: 'object', required: ['id', 'answer'], additionalProperties: false, properties: { id: shortStr, answer: shortStr } },
    },
    account: {
      type: 'object',
      required: ['kind'],
      additionalProperties: false,
      properties: { kind: shortStr, state: shortStr, cause: shortStr, branchId: shortStr, userId: shortStr },
    },
    client: {
      type: 'object',
      required: ['version'],
      additionalProperties: false,
      properties: { version: shortStr, host: shortStr, hostVersion: shortStr, platform: shortStr, userAgent: str(500) },
    },
    lastSync: {
      type: 'object',
      additionalProperties: false,
      properties: {
        runId: shortStr,
        source: shortStr,
        finishedAt: shortStr,
        total: count,
        sent: count,
        received: count,
        failed: count,
        pending: count,
        error: { type: 'object', additionalProperties: false, properties: { code: shortStr, message: text } },
      },
    },
    recentFailures: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { at: shortStr, code: shortStr, providerCode: shortStr, message: text },
      },
    },
    errors: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { source: shortStr, code: shortStr, providerCode: shortStr, requestId: shortStr, message: text },
      },
    },
    requestIds: { type: 'array', maxItems: 50, items: shortStr },
    outage: {
      type: 'object',
      additionalProperties: false,
      properties: { suspected: { type: 'boolean' }, provider: shortStr, affectedUsers: count, since: shortStr },
    },
    question: str(500),
    extra: { type: 'object' },
  },
} as const;

export const supportCaseResponseSchema = {
  type: 'object',
  required: ['reference', 'createdAt'],
  properties: { reference: { type: 'string' }, createdAt: { type: 'string' } },
} as const;

/**
 * POST /support/cases: the SupportReport of core/support-report.ts as the adapter accepts it. Bounded
 * everywhere so a report can't be used to store arbitrary bulk; unknown fields are refused
 * (additionalProperties: false) — and everything is redacted again anyway.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { SupportReport } from '../support-report';
import { AnyObject, StringEnum } from './common';

const str = (maxLength: number) => Type.String({ maxLength });
const shortStr = str(200);
const text = str(2000);
const count = Type.Integer({ minimum: 0, maximum: 1_000_000 });
const closed = { additionalProperties: false } as const;
const opt = Type.Optional;

export const SupportReportBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1, maximum: 100 }),
    createdAt: shortStr,
    cause: opt(shortStr),
    likelyCause: text,
    nextStep: shortStr,
    checks: Type.Array(Type.Object({ id: shortStr, outcome: StringEnum(['pass', 'fail', 'warn', 'skipped'] as const), detail: text }, closed), {
      maxItems: 20,
    }),
    steps: opt(Type.Array(Type.Object({ id: shortStr, answer: shortStr }, closed), { maxItems: 20 })),
    account: Type.Object({ kind: shortStr, state: opt(shortStr), cause: opt(shortStr), branchId: opt(shortStr), userId: opt(shortStr) }, closed),
    client: Type.Object({ version: shortStr, host: opt(shortStr), hostVersion: opt(shortStr), platform: opt(shortStr), userAgent: opt(str(500)) }, closed),
    lastSync: opt(
      Type.Object(
        {
          runId: opt(shortStr),
          source: opt(shortStr),
          finishedAt: opt(shortStr),
          total: opt(count),
          sent: opt(count),
          received: opt(count),
          failed: opt(count),
          pending: opt(count),
          error: opt(Type.Object({ code: opt(shortStr), message: opt(text) }, closed)),
        },
        closed,
      ),
    ),
    recentFailures: opt(
      Type.Array(Type.Object({ at: opt(shortStr), code: opt(shortStr), providerCode: opt(shortStr), message: opt(text) }, closed), { maxItems: 50 }),
    ),
    errors: opt(
      Type.Array(
        Type.Object({ source: opt(shortStr), code: opt(shortStr), providerCode: opt(shortStr), requestId: opt(shortStr), message: opt(text) }, closed),
        { maxItems: 50 },
      ),
    ),
    requestIds: opt(Type.Array(shortStr, { maxItems: 50 })),
    outage: opt(Type.Object({ suspected: opt(Type.Boolean()), provider: opt(shortStr), affectedUsers: opt(count), since: opt(shortStr) }, closed)),
    question: opt(str(500)),
    extra: opt(AnyObject()),
  },
  closed,
);
export type SupportReportBody = Static<typeof SupportReportBody>;

export const SupportCaseCreated = Type.Object({ reference: Type.String(), createdAt: Type.String() });
export type SupportCaseCreated = Static<typeof SupportCaseCreated>;

// What the pane builds must be what the adapter accepts.
const accepted: SupportReportBody = {} as SupportReport;
void accepted;

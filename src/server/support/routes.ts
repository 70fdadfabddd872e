/**
 * POST /api/v1/support/cases — "Escalate to Rezi support". Stores the pane's diagnostics report
 * (redacted again here: the server never trusts the client to have scrubbed it) and answers with a
 * short reference the agent can quote.
 */
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type SupportReport, redact } from '../../core/support-report';
import type { ServerContext } from '../context';
import type { SupportCaseTable } from './migrations';
import { supportCaseResponseSchema, supportReportSchema } from './schema';

/** Crockford-ish alphabet: no 0/O, 1/I/L, so a reference read out over the phone is unambiguous. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newReference(random: (n: number) => Buffer = crypto.randomBytes): string {
  const bytes = random(6);
  let code = '';
  for (const b of bytes) code += ALPHABET[b % ALPHABET.length];
  return `RZ-${code}`;
}

export interface SupportCaseCreated {
  reference: string;
  createdAt: string;
}

export async function createSupportCase(
  ctx: Pick<ServerContext, 'db' | 'clock'>,
  user: { id: string; tenantId: string; branchId: string },
  report: SupportReport,
): Promise<SupportCaseCreated> {
  const db = ctx.db.withTables<{ support_cases: SupportCaseTable }>();
  const clean = redact(report);
  const createdAt = ctx.clock().toISOString();
  // A clash in 30^6 codes is unlikely but possible: try a few before giving up.
  for (let attempt = 0; ; attempt++) {
    const reference = newReference();
    try {
      await db
        .insertInto('support_cases')
        .values({
          id: crypto.randomUUID(),
          reference,
          created_at: createdAt,
          user_id: user.id,
          tenant_id: user.tenantId,
          branch_id: user.branchId,
          cause: clean.cause ?? null,
          client_version: clean.client?.version ?? null,
          report: JSON.stringify(clean),
        })
        .execute();
      return { reference, createdAt };
    } catch (e) {
      if (attempt < 3 && /UNIQUE/i.test(String((e as Error)?.message)) && /reference/i.test(String((e as Error)?.message))) continue;
      throw e;
    }
  }
}

export async function registerSupportRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  app.post<{ Body: SupportReport }>(
    '/support/cases',
    {
      schema: { body: supportReportSchema, response: { 201: supportCaseResponseSchema } },
      // Honoured when the adapter registers @fastify/rate-limit: escalations are rare by nature.
      config: { rateLimit: { max: 10, timeWindow: 60 * 60_000 } },
    },
    async (req, reply) => {
      const created = await createSupportCase(ctx, req.user, req.body);
      req.log.info({ reference: created.reference, cause: req.body.cause }, 'support case created');
      return reply.code(201).send(created);
    },
  );
}

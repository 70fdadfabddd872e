/**
 * POST /api/v1/support/cases — "Escalate to Rezi support". Stores the pane's diagnostics report
 * (redacted again here: the server never trusts the client to have scrubbed it) and answers with a
 * short reference the agent can quote.
 */
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { redact } from '../../core/redact';
import type { SupportCaseCreated, SupportReportBody } from '../../core/api';
import { routes } from '../../core/contract/routes';
import type { ServerContext } from '../context';
import { ApiHttpError } from '../errors';
import { routeOf, typed } from '../http/contract';
import type { SupportCaseTable } from './migrations';

/** Crockford-ish alphabet: no 0/O, 1/I/L, so a reference read out over the phone is unambiguous. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newReference(random: (n: number) => Buffer = crypto.randomBytes): string {
  const bytes = random(6);
  let code = '';
  for (const b of bytes) code += ALPHABET[b % ALPHABET.length];
  return `RZ-${code}`;
}

/** Cases one user may store per UTC day: escalations are rare, and each one is kept. */
export const SUPPORT_CASES_PER_DAY = 20;

export async function createSupportCase(
  ctx: Pick<ServerContext, 'db' | 'clock'>,
  user: { id: string; tenantId: string; branchId: string },
  report: SupportReportBody,
): Promise<SupportCaseCreated> {
  const db = ctx.db.withTables<{ support_cases: SupportCaseTable }>();
  const now = ctx.clock();
  const createdAt = now.toISOString();
  const dayStart = `${createdAt.slice(0, 10)}T00:00:00.000Z`;
  const today = await db
    .selectFrom('support_cases')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', user.id)
    .where('created_at', '>=', dayStart)
    .executeTakeFirstOrThrow();
  if (Number(today.n) >= SUPPORT_CASES_PER_DAY) {
    const wait = Math.max(1, Math.ceil((Date.parse(dayStart) + 86_400_000 - now.getTime()) / 1000));
    throw new ApiHttpError(
      429,
      'support-limit',
      `You have already sent ${SUPPORT_CASES_PER_DAY} reports to Rezi support today. They have them all; you can send another tomorrow, or contact support by phone.`,
      { cause: 'throttled', headers: { 'retry-after': String(wait) } },
    );
  }
  const clean = redact(report);
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

export async function registerSupportRoutes(api: FastifyInstance, ctx: ServerContext): Promise<void> {
  typed(api).route({
    ...routeOf(routes.supportCase),
    // Honoured when the adapter registers @fastify/rate-limit: escalations are rare by nature.
    config: { rateLimit: { max: 10, timeWindow: 60 * 60_000 } },
    handler: async (req, reply) => {
      const created = await createSupportCase(ctx, req.user, req.body);
      req.log.info({ reference: created.reference, cause: req.body.cause }, 'support case created');
      return reply.code(201).send(created);
    },
  });
}

/** How every error leaves the adapter: one ApiError body, the request id, and no caching. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../core/api';

/** API answers are per user and often personal: no cache (browser, proxy) may keep one. */
export const NO_STORE = 'no-store';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;
let seq = 0;
export const newRequestId = () => `req-${Date.now().toString(36)}-${(++seq).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Our own ids, honouring a sane incoming x-request-id (so a client's id reaches our logs). */
export function requestIdOf(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newRequestId();
}

export function sendError(reply: FastifyReply, req: FastifyRequest, status: number, code: string, message: string, extra: Partial<ApiError> = {}) {
  const body: ApiError = { code, message, requestId: String(req.id), ...extra };
  // Also for errors Fastify raises before any hook has run (a malformed URL).
  reply.header('x-request-id', req.id).header('cache-control', NO_STORE);
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/**
 * The request guards: our own host names only (every request), and for /api/v1 the failed-sign-in
 * limit per address, the bearer token, and the per-user rate limit.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { addressLimit } from '../address-limit';
import type { ServerContext } from '../context';
import { Counters } from '../coordination/counters';
import { sharedRateLimitStore } from '../coordination/rate-limit-store';
import { ApiHttpError } from '../errors';
import { hostMatcher } from '../host-names';
import { NO_STORE } from './reply';

/** Headers on every answer, and the DNS-rebinding defence: only our own names. */
export function guardHosts(app: FastifyInstance, allowedHosts: ServerContext['config']['allowedHosts']): void {
  const listeningPort = () => {
    const addr = app.server.address();
    return typeof addr === 'object' && addr ? addr.port : undefined;
  };
  const knownHost = hostMatcher(allowedHosts, listeningPort);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id).header('cache-control', NO_STORE);
    // Health checks stay open to probes that send an address.
    const path = req.url.split('?')[0];
    if (path !== '/healthz' && path !== '/readyz' && !knownHost(req.headers.host))
      throw new ApiHttpError(421, 'unknown-host', 'This adapter does not answer for that host name. An administrator lists its names in ALLOWED_HOSTS.');
  });
}

/** Sign-in and rate limits for the /api/v1 scope `api`. */
export async function guardApi(api: FastifyInstance, ctx: ServerContext): Promise<void> {
  const { config } = ctx;
  // Both limits count in the store, so every instance on the database sees the same counts.
  const counters = new Counters(ctx.db);
  const failures = addressLimit(counters, config.rateLimitFailuresPerMinute);
  api.addHook('onRequest', async (req) => {
    const wait = await failures.blockedFor(req.ip);
    if (wait > 0)
      throw new ApiHttpError(429, 'rate-limited', `Too many failed requests from this address; try again in ${wait} s.`, {
        cause: 'throttled',
        headers: { 'retry-after': String(wait) },
      });
    try {
      req.user = await ctx.tokens.authenticate(req.headers.authorization);
    } catch (e) {
      if (e instanceof ApiHttpError && e.statusCode === 401) await failures.failed(req.ip);
      throw e;
    }
  });
  await api.register(rateLimit, {
    // After authentication, so the limit is per user (token subject), not per NAT'd office IP; before
    // parsing and validation, so a user's malformed requests count too.
    hook: 'preParsing',
    store: sharedRateLimitStore(counters),
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => (req.user ? `u:${req.user.id}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      code: 'rate-limited',
      message: `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s.`,
    }),
  });
}

/**
 * @fastify/rate-limit's store over the shared counters: a user's requests count once, whichever
 * instance answers them. A route with its own limit (`config.rateLimit`) counts under its own key,
 * as the plugin's in-memory store keeps one map per such route.
 */
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Counters } from './counters';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

export function sharedRateLimitStore(counters: Counters): FastifyRateLimitStoreCtor {
  class SharedStore implements FastifyRateLimitStore {
    constructor(
      _options: unknown,
      private readonly prefix = 'rate:',
    ) {}

    incr(key: string, callback: Callback, timeWindow: number): void {
      counters.hit(this.prefix + key, timeWindow).then(
        (c) => callback(null, { current: c.hits, ttl: c.ttlMs }),
        (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
      );
    }

    read(key: string, callback: Callback): void {
      counters.peek(this.prefix + key).then(
        (c) => callback(null, { current: c.hits, ttl: c.ttlMs }),
        (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
      );
    }

    child(routeOptions: { method?: unknown; url?: string; path: string; prefix: string }): FastifyRateLimitStore {
      return new SharedStore(undefined, `rate:${String(routeOptions.method)} ${routeOptions.url ?? routeOptions.prefix + routeOptions.path}:`);
    }
  }
  return SharedStore as unknown as FastifyRateLimitStoreCtor;
}

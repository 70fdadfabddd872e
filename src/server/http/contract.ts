/**
 * The adapter's side of the contract (core/contract/routes.ts): route modules register each handler
 * from its table entry, and a route the table does not describe (or registered with other schemas)
 * stops the adapter at start-up rather than serving an undocumented, unvalidated answer.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance, preSerializationAsyncHookHandler } from 'fastify';
import { API_PREFIX, routes, serviceRoutes, type RouteSpec } from '../../core/contract/routes';

/** A Fastify scope that infers request and reply types from TypeBox schemas. */
export const typed = (app: FastifyInstance) => app.withTypeProvider<TypeBoxTypeProvider>();

/** A table entry's route options: method, URL (relative to the scope's prefix) and its schemas. */
export function routeOf<R extends RouteSpec>(spec: R) {
  const { method, path, ...schema } = spec;
  return { method, url: path, schema: schema as Omit<R, 'method' | 'path'> };
}

const key = (method: string, url: string) => `${method} ${url}`;
const described = new Map<string, RouteSpec>([
  ...Object.values(routes).map((r): [string, RouteSpec] => [key(r.method, `${API_PREFIX}${r.path}`), r]),
  ...Object.values(serviceRoutes).map((r): [string, RouteSpec] => [key(r.method, r.path), r]),
]);

export class UndescribedRoute extends Error {
  constructor(method: string, url: string) {
    super(`${method} ${url} is not in the API contract with its schemas: add it to core/contract/routes.ts and register it with routeOf().`);
    this.name = 'UndescribedRoute';
  }
}

/** An answer that is not what its route's schema says (checked when BuildAppOptions.checkResponses is on). */
export class AnswerNotInContract extends Error {
  constructor(method: string, url: string, status: number, problems: string[]) {
    super(`${method} ${url} answered ${status} with a body its contract does not describe: ${problems.join('; ')}`);
    this.name = 'AnswerNotInContract';
  }
}

/**
 * Each success answer checked against its schema before Fastify's serialiser (which drops unknown
 * fields and converts types silently) sees it. For tests and local runs: it costs a full check per answer.
 */
function checkAnswers(spec: RouteSpec, method: string, url: string): preSerializationAsyncHookHandler {
  return async (_req, reply, payload) => {
    if (reply.statusCode >= 400) return payload;
    const schema = spec.response[reply.statusCode];
    const problems = schema ? [...Value.Errors(schema, payload)].map((e) => `${e.path || '/'} ${e.message}`) : ['no schema for this status'];
    if (problems.length > 0) throw new AnswerNotInContract(method, url, reply.statusCode, problems.slice(0, 5));
    return payload;
  };
}

/**
 * The check that every route (but hidden ones: the OpenAPI document itself, CORS preflight, the
 * local timeline's pages) is the table's, with the table's schemas; with `checkResponses`, each
 * success answer is checked against its schema too.
 */
export function enforceContract(app: FastifyInstance, options: { checkResponses?: boolean } = {}): void {
  app.addHook('onRoute', (route) => {
    if ((route.schema as { hide?: boolean } | undefined)?.hide) return;
    for (const method of [route.method].flat()) {
      // Fastify adds a HEAD for each GET, with the GET's schemas.
      const spec = described.get(key(method === 'HEAD' ? 'GET' : method, route.url));
      if (!spec || (route.schema as { response?: unknown } | undefined)?.response !== spec.response) throw new UndescribedRoute(method, route.url);
      if (options.checkResponses) route.preSerialization = [route.preSerialization ?? []].flat().concat(checkAnswers(spec, method, route.url));
    }
  });
}

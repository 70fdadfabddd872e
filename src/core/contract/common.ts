/**
 * Building blocks of the /api/v1 contract: TypeBox schemas that are at once JSON Schema (Fastify
 * validates, serialises and publishes them) and TypeScript types (Static<>).
 */
import { Kind, type Static, type TUnsafe, Type, TypeRegistry } from '@sinclair/typebox';
import { CAUSE_CODES } from '../causes';

/**
 * A string out of a fixed list, as `{ type: 'string', enum }` — the form whose validation message
 * ("must be equal to one of the allowed values") the adapter has always answered; TypeBox's own
 * unions of literals would validate as anyOf and word it differently.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ [Kind]: 'StringEnum', type: 'string', enum: [...new Set(values)], ...options });
}
TypeRegistry.Set<{ enum: string[] }>('StringEnum', (schema, value) => typeof value === 'string' && schema.enum.includes(value));

/** `{ type: ['integer', 'string'] }`: a port as a form sends it (checked again, in plain words, by the use case). */
export function IntegerOrString(): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({ [Kind]: 'IntegerOrString', type: ['integer', 'string'] });
}
TypeRegistry.Set('IntegerOrString', (_schema, value) => typeof value === 'string' || Number.isInteger(value));

/** `{ type: 'object' }`: anything a client wants to add; redacted like the rest (support reports). */
export function AnyObject(): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({ [Kind]: 'AnyObject', type: 'object' });
}
TypeRegistry.Set('AnyObject', (_schema, value) => typeof value === 'object' && value !== null && !Array.isArray(value));

export const CauseCodeSchema = StringEnum(CAUSE_CODES);
export const ConnectionStateSchema = StringEnum(['connected', 'disconnected', 'authorisation-failed', 'syncing'] as const);
export const DirectionSchema = StringEnum(['inbound', 'outbound'] as const);
export const SourceSchema = StringEnum(['graph', 'imap'] as const);
export const AccountKindSchema = StringEnum(['office365', 'imap', 'none'] as const);
export type AccountKind = Static<typeof AccountKindSchema>;

/** Every 4xx/5xx body. */
export const ApiError = Type.Object({
  code: Type.String(),
  message: Type.String(),
  requestId: Type.Optional(Type.String()),
  cause: Type.Optional(CauseCodeSchema),
});
export type ApiError = Static<typeof ApiError>;

/** The error answers a route can give, by status: each one an ApiError. */
export const errorsFor = <const S extends readonly number[]>(...statuses: S) =>
  Object.fromEntries(statuses.map((s) => [s, ApiError])) as { [K in S[number]]: typeof ApiError };

/** 4xx/5xx responses every authenticated route can give. */
export const COMMON_ERRORS = [400, 401, 403, 404, 409, 413, 421, 429, 500, 503] as const;

/** A 204's body: none. */
export const NoContent = Type.Null();

/**
 * The contract's own schema kinds: each is the JSON Schema Fastify has always validated with (so its
 * error answers stay word for word), and TypeBox's Value.Check agrees with it.
 */
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AnyObject, IntegerOrString, StringEnum } from '../../../src/core/contract/common';

describe('StringEnum', () => {
  const colour = StringEnum(['red', 'green', 'red'] as const);
  it('is { type: string, enum } with each value once', () => {
    expect(JSON.parse(JSON.stringify(colour))).toEqual({ type: 'string', enum: ['red', 'green'] });
  });
  it('accepts its values only', () => {
    expect([Value.Check(colour, 'red'), Value.Check(colour, 'green'), Value.Check(colour, 'blue'), Value.Check(colour, 1)]).toEqual([true, true, false, false]);
  });
});

describe('IntegerOrString', () => {
  it('is { type: [integer, string] } and accepts whole numbers and text only', () => {
    const port = IntegerOrString();
    expect(JSON.parse(JSON.stringify(port))).toEqual({ type: ['integer', 'string'] });
    expect([Value.Check(port, 993), Value.Check(port, '993'), Value.Check(port, 9.5), Value.Check(port, true)]).toEqual([true, true, false, false]);
  });
});

describe('AnyObject', () => {
  it('is { type: object } and accepts an object of any shape, nothing else', () => {
    const extra = Type.Object({ extra: AnyObject() });
    expect(JSON.parse(JSON.stringify(AnyObject()))).toEqual({ type: 'object' });
    expect([Value.Check(extra, { extra: { a: 1 } }), Value.Check(extra, { extra: [1] }), Value.Check(extra, { extra: null })]).toEqual([true, false, false]);
  });
});

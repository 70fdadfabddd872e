import { timeOrderedId } from '../../../src/server/directory/sqlite';

describe('timeOrderedId (timeline event ids)', () => {
  it('makes RFC 9562 version 7 UUIDs that are unique and sort in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => timeOrderedId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('carries the time in its first 48 bits', () => {
    const at = Date.UTC(2031, 0, 2, 3, 4, 5);
    const id = timeOrderedId(at);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });
});

import { BodyCache } from '../../src/graph/body-cache';

const body = (content: string) => ({ body: { contentType: 'text', content }, hasAttachments: false });

describe('BodyCache', () => {
  it('hands a body over once', () => {
    const cache = new BodyCache(100);
    cache.keep('a', body('Dear agent'));
    expect(cache.take('a')).toEqual(body('Dear agent'));
    expect(cache.take('a')).toBeUndefined();
    expect(cache.take('never')).toBeUndefined();
  });

  it('keeps at most its bound in characters, pushing out the oldest first', () => {
    const cache = new BodyCache(10);
    cache.keep('a', body('1234'));
    cache.keep('b', body('5678'));
    cache.keep('c', body('90ab'));
    expect(cache.size).toBe(2);
    expect(cache.take('a')).toBeUndefined();
    expect(cache.take('b')?.body.content).toBe('5678');
    expect(cache.take('c')?.body.content).toBe('90ab');
  });

  it('keeps nothing bigger than its bound, and a body kept again replaces the first', () => {
    const cache = new BodyCache(10);
    cache.keep('big', body('x'.repeat(11)));
    expect(cache.size).toBe(0);
    cache.keep('a', body('123456'));
    cache.keep('a', body('7890'));
    cache.keep('b', body('abcdef'));
    // 'a' now counts 4 characters, so both fit.
    expect(cache.take('a')?.body.content).toBe('7890');
    expect(cache.take('b')?.body.content).toBe('abcdef');
  });
});

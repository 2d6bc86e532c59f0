import type { ApiKeyVerdict } from './api-key-gate';
import { DecisionCache } from './decision-cache';

const KEY = { id: 'k1', enabled: true };

describe('DecisionCache (as the API key gate sets it up)', () => {
  let now = 0;
  const cache = (maxEntries = 10) =>
    new DecisionCache<ApiKeyVerdict>(
      { ttlMs: (v) => (v ? 1_000 : 100), idOf: (v) => v?.id, maxEntries },
      () => now,
    );
  const loader = (verdict: ApiKeyVerdict) => jest.fn(async () => verdict);

  beforeEach(() => {
    now = 0;
  });

  it('asks once, then answers from memory until the entry expires', async () => {
    const c = cache();
    const load = loader(KEY);
    expect(await c.verdict('v', load)).toEqual({ verdict: KEY, cached: false });
    expect(await c.verdict('v', load)).toEqual({ verdict: KEY, cached: true });
    now = 1_001;
    expect(await c.verdict('v', load)).toEqual({ verdict: KEY, cached: false });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('keeps "no such key" only briefly', async () => {
    const c = cache();
    const load = loader(null);
    await c.verdict('v', load);
    now = 50;
    expect((await c.verdict('v', load)).cached).toBe(true);
    now = 101;
    expect((await c.verdict('v', load)).cached).toBe(false);
  });

  it('makes one call for concurrent misses of one value', async () => {
    const c = cache();
    let release!: (v: ApiKeyVerdict) => void;
    const load = jest.fn(() => new Promise<ApiKeyVerdict>((resolve) => (release = resolve)));
    const both = Promise.all([c.verdict('v', load), c.verdict('v', load)]);
    release(KEY);
    expect((await both).map((r) => r.verdict)).toEqual([KEY, KEY]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('never keeps a failure', async () => {
    const c = cache();
    const failure = {
      ok: false as const,
      error: { code: 'Unavailable' as const, message: 'down' },
    };
    const load = jest.fn(async () => failure);
    expect((await c.verdict('v', load)).verdict).toBe(failure);
    await c.verdict('v', load);
    expect(load).toHaveBeenCalledTimes(2);
    expect(c.size).toBe(0);
  });

  it('forgets every value that named a changed key, and only those', async () => {
    const c = cache();
    await c.verdict('a', loader(KEY));
    await c.verdict('b', loader({ id: 'k2', enabled: true }));
    c.dropId('k1');
    expect((await c.verdict('a', loader(KEY))).cached).toBe(false);
    expect((await c.verdict('b', loader(null))).cached).toBe(true);
  });

  it('forgets "no such key" answers when a key is created, and everything on clear', async () => {
    const c = cache();
    await c.verdict('unknown', loader(null));
    await c.verdict('known', loader(KEY));
    c.dropWhere((v) => v === null);
    expect((await c.verdict('unknown', loader(KEY))).cached).toBe(false);
    expect((await c.verdict('known', loader(KEY))).cached).toBe(true);
    c.clear();
    expect(c.size).toBe(0);
  });

  it('starts a new call for a caller who arrives after a change, while the old call runs', async () => {
    const c = cache();
    let releaseOld!: (v: ApiKeyVerdict) => void;
    const old = c.verdict('v', () => new Promise((resolve) => (releaseOld = resolve)));
    c.dropId('k1');
    const fresh = loader(null);
    const after = c.verdict('v', fresh);
    releaseOld(KEY);
    expect((await old).verdict).toEqual(KEY);
    expect((await after).verdict).toBeNull();
    expect(fresh).toHaveBeenCalledTimes(1);
  });

  it('does not keep an answer that was under way when the key changed', async () => {
    const c = cache();
    let release!: (v: ApiKeyVerdict) => void;
    const pending = c.verdict('v', () => new Promise((resolve) => (release = resolve)));
    c.dropId('k1');
    release(KEY);
    expect((await pending).verdict).toEqual(KEY);
    expect((await c.verdict('v', loader(null))).verdict).toBeNull();
  });

  it('holds at most maxEntries, dropping the least recently used', async () => {
    const c = cache(2);
    await c.verdict('a', loader(KEY));
    await c.verdict('b', loader(KEY));
    await c.verdict('a', loader(KEY)); // a is now the most recent
    await c.verdict('c', loader(KEY));
    expect(c.size).toBe(2);
    expect((await c.verdict('a', loader(KEY))).cached).toBe(true);
    expect((await c.verdict('b', loader(KEY))).cached).toBe(false);
  });
});

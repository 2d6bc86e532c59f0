import type Redis from 'ioredis';
import { eventually } from '@portico/testing';
import { DefinitionLockTimeoutError } from './definition-lock';
import { DefinitionStore } from './definition-store';
import { useStoreOnRealRedis } from './store.fixture';

/** A promise with its resolver, to hold a locked section open until the test lets it go. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** DefinitionStore.withLock against a real Redis. */
describe('DefinitionStore.withLock', () => {
  const t = useStoreOnRealRedis();
  let store: DefinitionStore;
  let redis: Redis;
  beforeEach(() => ({ store, redis } = t));

  it('holds the lock key (with the {defs} hash tag) only while the section runs', async () => {
    const key = store.lockKey('api:a1');
    expect(key).toContain('{defs}');
    const inside = await store.withLock('api:a1', async () => redis.get(key));
    expect(inside).toEqual(expect.any(String));
    expect(await redis.exists(key)).toBe(0);
  });

  it('releases the lock when the section throws', async () => {
    await expect(store.withLock('api:a1', () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(await redis.exists(store.lockKey('api:a1'))).toBe(0);
  });

  it('serialises read-modify-write sections of one scope, across two stores', async () => {
    const other = new DefinitionStore(redis, t.prefix);
    const counter = `${t.prefix}counter`;
    const increment = (s: DefinitionStore) =>
      s.withLock('domain:example.com', async () => {
        const n = Number((await redis.get(counter)) ?? '0');
        await new Promise((r) => setImmediate(r));
        await redis.set(counter, String(n + 1));
      });
    await Promise.all(Array.from({ length: 20 }, (_, i) => increment(i % 2 ? store : other)));
    expect(await redis.get(counter)).toBe('20');
  });

  it('takes several scopes all at once or waits for all of them', async () => {
    const held = gate();
    const entered = gate();
    const first = store.withLock('domain:d1', async () => {
      entered.open();
      await held.promise;
    });
    await entered.promise;
    const order: string[] = [];
    const both = store.withLock(['api:a1', 'domain:d1'], async () => {
      order.push('both');
    });
    // api:a1 alone is free: the waiting multi-scope writer must not have taken it.
    await store.withLock('api:a1', async () => {
      order.push('api alone');
    });
    held.open();
    await Promise.all([first, both]);
    expect(order).toEqual(['api alone', 'both']);
  });

  it('gives up with DefinitionLockTimeoutError when the lock stays taken', async () => {
    await redis.set(store.lockKey('api:busy'), 'someone-else', 'PX', 60_000);
    const ran = jest.fn();
    await expect(store.withLock('api:busy', ran, { waitMs: 50 })).rejects.toBeInstanceOf(
      DefinitionLockTimeoutError,
    );
    expect(ran).not.toHaveBeenCalled();
    // The other holder's lock is untouched by the writer that gave up.
    expect(await redis.get(store.lockKey('api:busy'))).toBe('someone-else');
  });

  it("lets the next writer in once a crashed holder's lock expires", async () => {
    // A holder that crashed: its lock is never released, only its TTL ends it.
    await redis.set(store.lockKey('api:crashed'), 'dead-holder', 'PX', 200);
    const result = await store.withLock('api:crashed', async () => 'proceeded', {
      waitMs: 30_000,
    });
    expect(result).toBe('proceeded');
    expect(await redis.exists(store.lockKey('api:crashed'))).toBe(0);
  });

  it("never deletes another holder's lock when releasing an expired one", async () => {
    const key = store.lockKey('api:slow');
    const secondEntered = gate();
    const secondDone = gate();
    let second: Promise<void> | undefined;
    let secondToken: string | null = null;
    await store.withLock(
      'api:slow',
      async () => {
        const firstToken = await redis.get(key);
        // Outlive the TTL, as a stalled holder would, then let another writer take the lock.
        await eventually(async () => expect(await redis.exists(key)).toBe(0));
        second = store.withLock('api:slow', async () => {
          secondToken = await redis.get(key);
          secondEntered.open();
          await secondDone.promise;
        });
        await secondEntered.promise;
        expect(secondToken).not.toBe(firstToken);
      },
      { ttlMs: 100 },
    );
    // The first holder has released: the second holder's lock is still there.
    expect(secondToken).toEqual(expect.any(String));
    expect(await redis.get(key)).toBe(secondToken);
    secondDone.open();
    await second;
    expect(await redis.exists(key)).toBe(0);
  });
});

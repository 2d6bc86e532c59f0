import {
  CACHE_FILL,
  CACHE_INVALIDATED,
  CACHE_LOOKUP,
  type CachedResponse,
  type CacheInvalidatedEvent,
  type CacheLookupReply,
  MAX_ENTRY_BYTES,
} from '@portico/contracts';
import { ConfigError, createMetricsRegistry, createPinoLogger } from '@portico/platform';
import { eventually } from '@portico/testing';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { CacheStore } from '../cache-store';
import { checkFill, checkLookup } from '../cache.rules';
import { loadCacheConfig } from '../config';
import { type CacheUnderTest, startCacheUnderTest } from './cache-harness';

let unique = 0;
/** A key of stage `api1/prod` no other test uses. */
const fresh = (name: string, stage = 'api1/prod'): string => `${stage}/GET/${name}-${++unique}`;

const BODY = 'hello, cache';
const response = (body: string = BODY): CachedResponse => ({
  statusCode: 201,
  headers: [
    ['content-type', 'text/plain'],
    ['x-multi', 'a'],
    ['x-multi', 'b'],
  ],
  body: Buffer.from(body).toString('base64'),
  isBase64Encoded: false,
});

function hit(reply: CacheLookupReply): { entry: CachedResponse; ageSeconds: number } {
  if (!reply.ok || !reply.hit) throw new Error(`expected a hit: ${JSON.stringify(reply)}`);
  return reply;
}

function miss(reply: CacheLookupReply): 'yours' | 'pending' {
  if (!reply.ok || reply.hit) throw new Error(`expected a miss: ${JSON.stringify(reply)}`);
  return reply.fill;
}

const badRequest = { ok: false, error: { code: 'BadRequest', message: expect.any(String) } };

describe('CACHE_* configuration', () => {
  it('defaults the ops port to 9086 and the Redis bound to 50 ms, and refuses bad values', () => {
    const config = loadCacheConfig({});
    expect(config.CACHE_OPS_PORT).toBe(9086);
    expect(config.CACHE_REDIS_TIMEOUT_MS).toBe(50);
    expect(config.CACHE_ENCRYPTION_KEY).toBeUndefined();
    expect(() => loadCacheConfig({ CACHE_REDIS_TIMEOUT_MS: '0' })).toThrow(ConfigError);
    expect(() => loadCacheConfig({ CACHE_OPS_PORT: 'x' })).toThrow(/CACHE_OPS_PORT/);
    expect(() => loadCacheConfig({ CACHE_ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(
      /CACHE_ENCRYPTION_KEY/,
    );
    const key = randomBytes(32).toString('base64');
    expect(loadCacheConfig({ CACHE_ENCRYPTION_KEY: key }).CACHE_ENCRYPTION_KEY).toBe(key);
  });
});

/** Two replicas over real NATS and Redis, called from several client connections. */
describe('the cache service', () => {
  let cache: CacheUnderTest;
  let storeRedis: Redis;

  beforeAll(async () => {
    // A generous Redis bound: these tests are about behaviour, not a busy machine's Redis.
    cache = await startCacheUnderTest({
      replicas: 2,
      clients: 3,
      env: { CACHE_REDIS_TIMEOUT_MS: '5000' },
    });
  });

  beforeAll(() => {
    storeRedis = new Redis(cache.infra.redisUrl);
  });

  afterAll(async () => {
    storeRedis?.disconnect();
    await cache?.close();
  });

  it('misses, takes a fill, then hits with status, headers and body intact', async () => {
    const key = fresh('roundtrip');
    expect(miss(await cache.lookup(key))).toBe('yours');
    expect(await cache.fill(key, response(), 60)).toEqual({ ok: true, stored: true });
    const { entry, ageSeconds } = hit(await cache.lookup(key));
    expect(entry).toEqual(response());
    expect(Buffer.from(entry.body, 'base64').toString()).toBe(BODY);
    expect(ageSeconds).toBeGreaterThanOrEqual(0);
    expect(ageSeconds).toBeLessThanOrEqual(5);
    // The entry lives in the stage's hash tag and expires with the TTL; the fill took the lock.
    const ttl = await cache.redis.pttl(cache.entryKey(key));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await cache.redis.keys(`*${key.slice('api1/prod/'.length)}`)).toEqual([
      cache.entryKey(key),
    ]);
    const hits = async (): Promise<number> =>
      (await cache.metric(0, 'portico_cache_lookups_total', 'outcome="hit"')) +
      (await cache.metric(1, 'portico_cache_lookups_total', 'outcome="hit"'));
    expect(await hits()).toBeGreaterThanOrEqual(1);
  });

  it('reports an entry age that grows', async () => {
    const key = fresh('age');
    await cache.fill(key, response(), 60);
    // Stored "three seconds ago": rewrite the stored time as the service reads it.
    const stored = JSON.parse((await cache.redis.get(cache.entryKey(key))) as string) as {
      t: number;
    };
    await cache.redis.set(
      cache.entryKey(key),
      JSON.stringify({ ...stored, t: stored.t - 3_500 }),
      'KEEPTTL',
    );
    expect(hit(await cache.lookup(key)).ageSeconds).toBeGreaterThanOrEqual(3);
  });

  it('forgets an entry when its TTL ends', async () => {
    const key = fresh('ttl');
    await cache.fill(key, response(), 1);
    hit(await cache.lookup(key));
    await eventually(async () => expect(miss(await cache.lookup(key))).toBe('yours'));
  });

  it('gives one of 50 concurrent misses the fill, the rest wait, and all hit after it', async () => {
    const key = fresh('flight');
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, n) => cache.lookup(key, 10_000, n)),
    );
    const fills = replies.map(miss);
    expect(fills.filter((f) => f === 'yours')).toHaveLength(1);
    expect(fills.filter((f) => f === 'pending')).toHaveLength(49);
    await cache.fill(key, response('filled once'), 60);
    const after = await Promise.all(
      Array.from({ length: 50 }, (_, n) => cache.lookup(key, 10_000, n)),
    );
    for (const reply of after) {
      expect(Buffer.from(hit(reply).entry.body, 'base64').toString()).toBe('filled once');
    }
  });

  it('lets another caller fill once the lease runs out', async () => {
    const key = fresh('lease');
    expect(miss(await cache.lookup(key, 300))).toBe('yours');
    expect(miss(await cache.lookup(key, 300))).toBe('pending');
    await eventually(async () => expect(miss(await cache.lookup(key, 300))).toBe('yours'));
  });

  it('refuses an entry over 1 MiB, stores nothing and frees the fill', async () => {
    // NATS's default max_payload (1 MB) cannot carry a fill this size, so the store is called
    // directly, on the same Redis, as the service's replicas use it (see docs/cache.md).
    const store = new CacheStore(
      storeRedis,
      loadCacheConfig({ REDIS_KEY_PREFIX: cache.infra.redisKeyPrefix }),
      createMetricsRegistry('cache-test'),
      createPinoLogger('cache-test', 'silent'),
    );
    try {
      const key = fresh('large');
      expect(miss(await cache.lookup(key))).toBe('yours');
      const big = { ...response(), body: 'A'.repeat(MAX_ENTRY_BYTES + 4) };
      expect(await store.fill(checkFill({ key, entry: big, ttlSeconds: 60 }))).toEqual({
        ok: true,
        stored: false,
        reason: 'too-large',
      });
      expect(await cache.redis.exists(cache.entryKey(key))).toBe(0);
      // The next caller goes to the integration itself rather than waiting on a fill that never comes.
      expect(miss(await cache.lookup(key))).toBe('yours');
      // Exactly 1 MiB is stored.
      const atLimit = { ...response(), body: 'A'.repeat(MAX_ENTRY_BYTES) };
      expect(await store.fill(checkFill({ key, entry: atLimit, ttlSeconds: 60 }))).toEqual({
        ok: true,
        stored: true,
      });
      const lookup = await store.lookup(checkLookup({ key }));
      expect(hit(lookup).entry.body).toHaveLength(MAX_ENTRY_BYTES);
    } finally {
      store.onModuleDestroy();
    }
  });

  describe('invalidation', () => {
    const events: CacheInvalidatedEvent[] = [];

    beforeAll(async () => {
      // Every edge hears the event: two plain subscribers, no queue group.
      for (const client of cache.clients.slice(0, 2)) {
        client.subscribe(CACHE_INVALIDATED, {
          callback: (_err, msg) => events.push(JSON.parse(msg.string()) as CacheInvalidatedEvent),
        });
        await client.flush();
      }
    });

    async function fillAll(keys: string[]): Promise<void> {
      for (const key of keys) await cache.fill(key, response(), 300);
    }

    it('drops one entry by key, and tells every edge', async () => {
      const [a, b] = [fresh('inv-key'), fresh('inv-key')];
      await fillAll([a, b]);
      expect(await cache.invalidate({ scope: { apiId: 'api1', stage: 'prod' }, key: a })).toEqual({
        ok: true,
        removed: 1,
      });
      miss(await cache.lookup(a));
      hit(await cache.lookup(b));
      const expected = { scope: { apiId: 'api1', stage: 'prod' }, key: a };
      await eventually(() =>
        expect(events.filter((e) => e.key === a)).toEqual([expected, expected]),
      );
      // A key already gone removes nothing.
      expect(await cache.invalidate({ scope: { apiId: 'api1', stage: 'prod' }, key: a })).toEqual({
        ok: true,
        removed: 0,
      });
    });

    it('drops the entries under a prefix, reading glob characters literally', async () => {
      const scope = { apiId: 'api2', stage: 'prod' };
      const inside = ['api2/prod/GET/pets/*', 'api2/prod/GET/pets/*/1', 'api2/prod/GET/pets/*?x=1'];
      // Under a glob reading of `pets/*` these would go too.
      const outside = [
        'api2/prod/GET/pets/a',
        'api2/prod/GET/petsX',
        'api2/prod/GET/pets/[',
        'api2/prod/GET/pets\\*',
      ];
      await fillAll([...inside, ...outside]);
      expect(await cache.invalidate({ scope, prefix: 'api2/prod/GET/pets/*' })).toEqual({
        ok: true,
        removed: inside.length,
      });
      for (const key of inside) miss(await cache.lookup(key));
      for (const key of outside) hit(await cache.lookup(key));
      const [brackets, question] = ['api2/prod/GET/b[ab]', 'api2/prod/GET/q?'];
      await fillAll([brackets, question, 'api2/prod/GET/ba', 'api2/prod/GET/qq']);
      expect(await cache.invalidate({ scope, prefix: brackets })).toMatchObject({ removed: 1 });
      expect(await cache.invalidate({ scope, prefix: question })).toMatchObject({ removed: 1 });
      hit(await cache.lookup('api2/prod/GET/ba'));
      hit(await cache.lookup('api2/prod/GET/qq'));
      await eventually(() =>
        expect(events).toContainEqual({ scope, prefix: 'api2/prod/GET/pets/*' }),
      );
    });

    it('flushes a whole stage, and only that stage', async () => {
      const scope = { apiId: 'api3', stage: 'prod' };
      // More than one SCAN step's worth.
      const flushed = Array.from({ length: 1_200 }, (_, i) => `api3/prod/GET/item/${i}`);
      const kept = ['api3/dev/GET/item/1', 'api33/prod/GET/item/1', 'api1/prod/GET/item/1'];
      const pipeline = cache.redis.pipeline();
      const stored = JSON.stringify({ t: Date.now(), r: response() });
      for (const key of flushed) pipeline.set(cache.entryKey(key), stored, 'EX', 300);
      await pipeline.exec();
      await fillAll(kept);
      expect(await cache.invalidate({ scope })).toEqual({ ok: true, removed: flushed.length });
      expect(await cache.redis.keys(`${cache.infra.redisKeyPrefix}{cache:api3/prod}*`)).toEqual([]);
      for (const key of kept) hit(await cache.lookup(key));
      await eventually(() => expect(events).toContainEqual({ scope }));
      expect(await cache.metric(0, 'portico_cache_invalidations_total')).toBeGreaterThan(0);
    });
  });

  it('answers BadRequest to what it cannot take', async () => {
    const entry = response();
    const bad: [string, object | string][] = [
      [CACHE_LOOKUP, 'not json'],
      [CACHE_LOOKUP, {}],
      [CACHE_LOOKUP, { key: '' }],
      [CACHE_LOOKUP, { key: 'no-stage' }],
      [CACHE_LOOKUP, { key: 'api1/prod' }],
      [CACHE_LOOKUP, { key: 'ap{i}/prod/x' }],
      [CACHE_LOOKUP, { key: `api1/prod/${'x'.repeat(1024)}` }],
      [CACHE_LOOKUP, { key: 'api1/prod/x', fillLeaseMs: 0 }],
      [CACHE_LOOKUP, { key: 'api1/prod/x', fillLeaseMs: 30_001 }],
      [CACHE_FILL, { key: 'api1/prod/x', entry, ttlSeconds: 0 }],
      [CACHE_FILL, { key: 'api1/prod/x', entry, ttlSeconds: 3601 }],
      [CACHE_FILL, { key: 'api1/prod/x', entry: { ...entry, body: 'not base64!' }, ttlSeconds: 1 }],
      [CACHE_FILL, { key: 'api1/prod/x', entry: { ...entry, statusCode: 99 }, ttlSeconds: 1 }],
      [CACHE_FILL, { key: 'api1/prod/x', entry: { ...entry, headers: [['a']] }, ttlSeconds: 1 }],
      [
        CACHE_FILL,
        { key: 'api1/prod/x', entry: { ...entry, isBase64Encoded: 'no' }, ttlSeconds: 1 },
      ],
      [CACHE_FILL, { key: 'api1/prod/x', ttlSeconds: 1 }],
    ];
    for (const [subject, body] of bad) {
      expect([subject, body, await cache.call(subject, body)]).toEqual([subject, body, badRequest]);
    }
    const scope = { apiId: 'api1', stage: 'prod' };
    for (const body of [
      {},
      { scope: { apiId: 'api1' } },
      { scope: { apiId: 'a*', stage: 'prod' } },
      { scope, key: 'api1/dev/x' },
      { scope, prefix: 'api2/prod/' },
      { scope, key: 'api1/prod/x', prefix: 'api1/prod/' },
    ]) {
      expect([body, await cache.invalidate(body as never)]).toEqual([body, badRequest]);
    }
    // Nothing was stored by any of it.
    expect(await cache.redis.exists(cache.entryKey('api1/prod/x'))).toBe(0);
  });
});

describe('the cache service with encryption', () => {
  let cache: CacheUnderTest;

  beforeAll(async () => {
    cache = await startCacheUnderTest({
      env: {
        CACHE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        CACHE_REDIS_TIMEOUT_MS: '5000',
      },
    });
  });

  afterAll(() => cache?.close());

  it('keeps no plaintext in Redis and serves the entry intact', async () => {
    const key = fresh('sealed');
    const secret = 'account 4242, balance 1,000,000';
    await cache.fill(key, response(secret), 60);
    const raw = (await cache.redis.getBuffer(cache.entryKey(key))) as Buffer;
    expect(raw).toBeInstanceOf(Buffer);
    for (const plain of [
      secret,
      Buffer.from(secret).toString('base64'),
      'content-type',
      'statusCode',
    ]) {
      expect(raw.includes(plain)).toBe(false);
    }
    expect(Buffer.from(hit(await cache.lookup(key)).entry.body, 'base64').toString()).toBe(secret);
  });

  it('answers an altered entry, or one moved to another key, as a miss and drops it', async () => {
    const key = fresh('tampered');
    await cache.fill(key, response(), 60);
    const raw = (await cache.redis.getBuffer(cache.entryKey(key))) as Buffer;
    const altered = Buffer.from(raw);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    await cache.redis.set(cache.entryKey(key), altered, 'KEEPTTL');
    expect(miss(await cache.lookup(key))).toBe('yours');
    expect(await cache.redis.exists(cache.entryKey(key))).toBe(0);

    const moved = fresh('moved');
    await cache.redis.set(cache.entryKey(moved), raw, 'EX', 60);
    expect(miss(await cache.lookup(moved))).toBe('yours');
    // An entry stored in the clear (before the key was set) is not served either.
    const clear = fresh('clear');
    await cache.redis.set(cache.entryKey(clear), JSON.stringify({ t: Date.now(), r: response() }));
    expect(miss(await cache.lookup(clear))).toBe('yours');
  });
});

/** Redis away or frozen: every call is answered Unavailable, and the cache resumes after. */
describe('the cache service without Redis', () => {
  let cache: CacheUnderTest;

  beforeAll(async () => {
    cache = await startCacheUnderTest();
  });

  afterAll(() => cache?.close());

  it('answers Unavailable while Redis is stopped, and serves again once it is back', async () => {
    const key = fresh('outage');
    miss(await cache.lookup(key));
    expect(await cache.metric(0, 'portico_cache_redis_available')).toBe(1);
    await cache.infra.stopRedis();
    try {
      const replies = await Promise.all([
        cache.lookup(key),
        cache.fill(key, response(), 60),
        cache.invalidate({ scope: { apiId: 'api1', stage: 'prod' } }),
      ]);
      for (const reply of replies) {
        expect(reply).toEqual({
          ok: false,
          error: { code: 'Unavailable', message: expect.stringContaining('unavailable') },
        });
      }
      expect(await cache.metric(0, 'portico_cache_redis_available')).toBe(0);
      expect(await cache.metric(0, 'portico_cache_redis_failures_total')).toBeGreaterThanOrEqual(3);
      expect(
        await cache.metric(0, 'portico_cache_lookups_total', 'outcome="unavailable"'),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await cache.infra.startRedis();
    }
    // A restarted Redis has lost the script: it is loaded again.
    await eventually(async () => {
      expect(await cache.fill(key, response(), 60)).toEqual({ ok: true, stored: true });
    }, 20_000);
    hit(await cache.lookup(key));
    expect(await cache.metric(0, 'portico_cache_redis_available')).toBe(1);
  });

  it('answers Unavailable while Redis is frozen, and serves again once it thaws', async () => {
    const key = fresh('frozen');
    const admin = new Redis(cache.infra.redisUrl);
    try {
      await admin.client('PAUSE', 2000, 'ALL');
      // Redis still runs the timed-out lookup once it thaws and may take the fill lock: the
      // lease bounds how long that keeps others from filling.
      expect(await cache.lookup(key, 500)).toEqual({
        ok: false,
        error: { code: 'Unavailable', message: expect.stringContaining('timed out') },
      });
      expect(await cache.metric(0, 'portico_cache_redis_available')).toBe(0);
    } finally {
      admin.disconnect();
    }
    await eventually(async () => {
      expect(miss(await cache.lookup(key, 500))).toBe('yours');
    });
    expect(await cache.metric(0, 'portico_cache_redis_available')).toBe(1);
  });
});

import type { ConsumeReply, ConsumeRequest } from '@portico/contracts';
import { ConfigError } from '@portico/platform';
import { eventually } from '@portico/testing';
import Redis from 'ioredis';
import { loadRateLimitConfig } from '../config';
import { PERIOD_GRACE_MS } from '../consume.rules';
import { type RateLimitUnderTest, startRateLimitUnderTest } from './ratelimit-harness';

/** A rate so low that nothing refills while a test runs. */
const NO_REFILL = 0.0001;
const HOUR = 3_600_000;

let unique = 0;
/** A key no other test uses. */
const fresh = (name: string): string => `${name}-${++unique}`;

function refused(reply: ConsumeReply): { refusedBy: string; key: string; retryAfterMs: number } {
  if (!reply.ok || reply.allowed) throw new Error(`expected a refusal: ${JSON.stringify(reply)}`);
  return reply;
}

function allowed(reply: ConsumeReply): {
  remaining: number;
  quotaRemaining?: Record<string, number>;
} {
  if (!reply.ok || !reply.allowed) throw new Error(`expected admission: ${JSON.stringify(reply)}`);
  return reply;
}

describe('RATELIMIT_* configuration', () => {
  it('defaults the ops port to 9085 and the Redis bound to 50 ms, and refuses bad values', () => {
    const config = loadRateLimitConfig({});
    expect(config.RATELIMIT_OPS_PORT).toBe(9085);
    expect(config.RATELIMIT_REDIS_TIMEOUT_MS).toBe(50);
    expect(() => loadRateLimitConfig({ RATELIMIT_REDIS_TIMEOUT_MS: '0' })).toThrow(ConfigError);
    expect(() => loadRateLimitConfig({ RATELIMIT_OPS_PORT: 'x' })).toThrow(/RATELIMIT_OPS_PORT/);
  });
});

/** Two replicas over real NATS and Redis, called from several client connections. */
describe('the ratelimit service', () => {
  let rl: RateLimitUnderTest;

  beforeAll(async () => {
    // A generous Redis bound: these tests are about exactness, not about Redis being slow
    // while 1,500 decisions queue on a busy test machine.
    rl = await startRateLimitUnderTest({
      replicas: 2,
      clients: 3,
      env: { RATELIMIT_REDIS_TIMEOUT_MS: '5000' },
    });
  });

  afterAll(() => rl?.close());

  it('admits exactly burst requests of 1,500 concurrent ones across two replicas', async () => {
    const key = fresh('exact');
    const body = { buckets: [{ key, ratePerSecond: NO_REFILL, burst: 500 }] };
    const replies = await Promise.all(Array.from({ length: 1500 }, (_, n) => rl.consume(body, n)));
    const admitted = replies.filter((r) => r.ok && r.allowed);
    const throttled = replies.filter((r) => r.ok && !r.allowed);
    expect(admitted).toHaveLength(500);
    expect(throttled).toHaveLength(1000);
    for (const r of throttled) expect(refused(r)).toMatchObject({ refusedBy: 'throttle', key });
    // Each admission left a different count: no two saw the same state.
    expect(new Set(admitted.map((r) => allowed(r).remaining)).size).toBe(500);
    // Both replicas decided some of them.
    for (const replica of [0, 1]) {
      expect(await rl.metric(replica, 'portico_ratelimit_decisions_total')).toBeGreaterThan(0);
    }
  });

  it('consumes nothing anywhere when one level refuses', async () => {
    const a = { key: fresh('account'), ratePerSecond: NO_REFILL, burst: 10 };
    const b = { key: fresh('method'), ratePerSecond: NO_REFILL, burst: 1 };
    const quota = { key: fresh('quota'), limit: 5, periodEndsAt: Date.now() + HOUR };
    expect(allowed(await rl.consume({ buckets: [a] })).remaining).toBe(9);
    expect(allowed(await rl.consume({ buckets: [b] })).remaining).toBe(0);
    for (let i = 0; i < 3; i++) {
      expect(refused(await rl.consume({ buckets: [a, b], quotas: [quota] }))).toMatchObject({
        refusedBy: 'throttle',
        key: b.key,
      });
    }
    // A still holds 9 and the quota is untouched: the refusals took nothing from either.
    expect(await rl.consume({ buckets: [a], quotas: [quota], cost: 5 })).toEqual({
      ok: true,
      allowed: true,
      remaining: 4,
      quotaRemaining: { [quota.key]: 0 },
    });
    // A quota's refusal takes nothing from the buckets either.
    const c = { key: fresh('stage'), ratePerSecond: NO_REFILL, burst: 3 };
    expect(refused(await rl.consume({ buckets: [c], quotas: [quota] }))).toMatchObject({
      refusedBy: 'quota',
      key: quota.key,
    });
    expect(allowed(await rl.consume({ buckets: [c], cost: 3 })).remaining).toBe(0);
  });

  it('refills at the rate, never past burst + rate × elapsed, and says when a token is due', async () => {
    const bucket = { key: fresh('refill'), ratePerSecond: 20, burst: 5 };
    let admitted = 0;
    let throttle: ReturnType<typeof refused> | undefined;
    const started = Date.now();
    while (Date.now() - started < 1_000) {
      const reply = await rl.consume({ buckets: [bucket] });
      if (reply.ok && reply.allowed) admitted++;
      else throttle = refused(reply);
    }
    const elapsedS = (Date.now() - started) / 1000;
    expect(admitted).toBeGreaterThanOrEqual(bucket.burst);
    expect(admitted).toBeLessThanOrEqual(bucket.burst + bucket.ratePerSecond * elapsedS);
    // A token comes every 50 ms: a refusal never asks to wait longer.
    expect(throttle?.refusedBy).toBe('throttle');
    expect(throttle?.retryAfterMs).toBeGreaterThan(0);
    expect(throttle?.retryAfterMs).toBeLessThanOrEqual(50);
  });

  it('answers how long until a bucket holds the cost', async () => {
    const bucket = { key: fresh('slow'), ratePerSecond: 0.5, burst: 2 };
    expect(allowed(await rl.consume({ buckets: [bucket], cost: 2 })).remaining).toBe(0);
    const { retryAfterMs } = refused(await rl.consume({ buckets: [bucket], cost: 2 }));
    // Two tokens at 0.5 per second: 4 s, less what refilled between the two calls.
    expect(retryAfterMs).toBeGreaterThan(3_000);
    expect(retryAfterMs).toBeLessThanOrEqual(4_000);
  });

  it('lets an idle bucket expire once it would be full again', async () => {
    const bucket = { key: fresh('idle'), ratePerSecond: 10, burst: 5 };
    await rl.consume({ buckets: [bucket] });
    const ttl = await rl.redis.pttl(rl.bucketKey(bucket.key));
    // One token short of full, at 10 a second: 100 ms.
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(100);
    await eventually(async () => expect(await rl.redis.exists(rl.bucketKey(bucket.key))).toBe(0));
  });

  it('counts a quota exactly, refuses past it until the period ends, and starts each period at 0', async () => {
    const periodEndsAt = Date.now() + HOUR;
    const quota = { key: fresh('plan:key:day1'), limit: 100, periodEndsAt };
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, n) => rl.consume({ buckets: [], quotas: [quota] }, n)),
    );
    const left = replies.map((r) => allowed(r).quotaRemaining?.[quota.key]);
    expect(new Set(left)).toEqual(new Set(Array.from({ length: 100 }, (_, i) => i)));
    const refusal = refused(await rl.consume({ buckets: [], quotas: [quota] }));
    expect(refusal).toMatchObject({ refusedBy: 'quota', key: quota.key });
    expect(refusal.retryAfterMs).toBeGreaterThan(0);
    expect(refusal.retryAfterMs).toBeLessThanOrEqual(periodEndsAt - Date.now() + 1_000);
    expect(refusal.retryAfterMs).toBeGreaterThan(HOUR - 60_000);
    // The counter goes when the period ends.
    const expiresAt = await rl.redis.pexpiretime(rl.quotaKey(quota.key));
    expect(expiresAt).toBe(periodEndsAt);
    // The next period is another key, from 0.
    const next = { ...quota, key: fresh('plan:key:day2'), periodEndsAt: periodEndsAt + HOUR };
    expect(await rl.consume({ buckets: [], quotas: [next] })).toEqual({
      ok: true,
      allowed: true,
      remaining: 99,
      quotaRemaining: { [next.key]: 99 },
    });
  });

  it('drops a quota counter when its period ends, and refuses everything under a limit of 0', async () => {
    const quota = { key: fresh('short'), limit: 2, periodEndsAt: Date.now() + 300 };
    allowed(await rl.consume({ buckets: [], quotas: [quota] }));
    await eventually(async () => expect(await rl.redis.exists(rl.quotaKey(quota.key))).toBe(0));
    const zero = { key: fresh('zero'), limit: 0, periodEndsAt: Date.now() + HOUR };
    expect(refused(await rl.consume({ buckets: [], quotas: [zero] })).refusedBy).toBe('quota');
  });

  it('takes a cost above 1 from every bucket and quota at once', async () => {
    const bucket = { key: fresh('lease'), ratePerSecond: NO_REFILL, burst: 10 };
    const quota = { key: fresh('lease-quota'), limit: 12, periodEndsAt: Date.now() + HOUR };
    const body = { buckets: [bucket], quotas: [quota], cost: 4 };
    expect(await rl.consume(body)).toEqual({
      ok: true,
      allowed: true,
      remaining: 6,
      quotaRemaining: { [quota.key]: 8 },
    });
    expect(allowed(await rl.consume(body)).remaining).toBe(2);
    // Two tokens left: four cannot be had, though the quota has four.
    expect(refused(await rl.consume(body))).toMatchObject({
      refusedBy: 'throttle',
      key: bucket.key,
    });
    expect(allowed(await rl.consume({ ...body, cost: 2 })).quotaRemaining).toEqual({
      [quota.key]: 2,
    });
    const other = { key: fresh('lease-2'), ratePerSecond: NO_REFILL, burst: 10 };
    expect(refused(await rl.consume({ buckets: [other], quotas: [quota], cost: 3 }))).toMatchObject(
      { refusedBy: 'quota', key: quota.key },
    );
  });

  it('takes a quota whose period ended a moment ago (the edge named it before the boundary), counting it in nothing', async () => {
    const over = { key: fresh('just-over'), limit: 1, periodEndsAt: Date.now() - 2_000 };
    for (let i = 0; i < 3; i++) {
      expect(await rl.consume({ buckets: [], quotas: [over] })).toMatchObject({
        ok: true,
        allowed: true,
      });
    }
    expect(await rl.redis.exists(rl.quotaKey(over.key))).toBe(0);
  });

  it('answers BadRequest, naming the problem, to every malformed request', async () => {
    const bucket = { key: 'b', ratePerSecond: 1, burst: 1 };
    const quota = { key: 'q', limit: 1, periodEndsAt: Date.now() + HOUR };
    const bad: [ConsumeRequest | string, RegExp][] = [
      ['not json', /not JSON/],
      ['[1]', /buckets must be an array/],
      [{ buckets: [] }, /at least one bucket or quota/],
      [{ buckets: [], quotas: [] }, /at least one bucket or quota/],
      [{ buckets: 'x' } as unknown as ConsumeRequest, /buckets must be an array/],
      [
        { buckets: Array.from({ length: 17 }, (_, i) => ({ ...bucket, key: `b${i}` })) },
        /at most 16 buckets/,
      ],
      [
        { buckets: [], quotas: Array.from({ length: 17 }, (_, i) => ({ ...quota, key: `q${i}` })) },
        /at most 16 quotas/,
      ],
      [{ buckets: [{ ...bucket, key: '' }] }, /key must be a string of 1 to 256/],
      [{ buckets: [{ ...bucket, key: 'k'.repeat(257) }] }, /key must be a string of 1 to 256/],
      [{ buckets: [{ ...bucket, ratePerSecond: 0 }] }, /ratePerSecond must be a number above 0/],
      [{ buckets: [{ ...bucket, ratePerSecond: -1 }] }, /ratePerSecond/],
      [{ buckets: [{ ...bucket, burst: 0.5 }] }, /burst must be a number of at least 1/],
      [{ buckets: [bucket], cost: 0 }, /cost must be an integer of at least 1/],
      [{ buckets: [bucket], cost: 1.5 }, /cost must be an integer/],
      [{ buckets: [bucket], cost: 2 }, /cost 2 exceeds its burst 1/],
      [
        { buckets: [], quotas: [{ ...quota, limit: -1 }] },
        /limit must be an integer of at least 0/,
      ],
      [{ buckets: [], quotas: [{ ...quota, limit: 1.5 }] }, /limit must be an integer/],
      [
        {
          buckets: [],
          quotas: [{ ...quota, periodEndsAt: Date.now() - PERIOD_GRACE_MS - 60_000 }],
        },
        /periodEndsAt must be .* in the future/,
      ],
      [{ buckets: [bucket, bucket] }, /bucket b is named twice/],
      [{ buckets: [null] } as unknown as ConsumeRequest, /buckets\[0\] must be an object/],
    ];
    for (const [body, message] of bad) {
      const reply = await rl.consume(body);
      expect({ body, reply }).toEqual({
        body,
        reply: {
          ok: false,
          error: { code: 'BadRequest', message: expect.stringMatching(message) },
        },
      });
    }
    expect(
      await rl.metric(0, 'portico_ratelimit_decisions_total', 'outcome="invalid"'),
    ).toBeGreaterThan(0);
  });

  it('keeps every key under one hash tag and the key prefix', async () => {
    const key = fresh('tagged');
    await rl.consume({
      buckets: [{ key, ratePerSecond: NO_REFILL, burst: 2 }],
      quotas: [{ key, limit: 2, periodEndsAt: Date.now() + HOUR }],
    });
    const stored = await rl.redis.keys(`*${key}`);
    expect(stored.sort()).toEqual([rl.bucketKey(key), rl.quotaKey(key)].sort());
    for (const k of stored)
      expect(k.startsWith(`${rl.infra.redisKeyPrefix}{ratelimit}:`)).toBe(true);
  });
});

/** Redis away or frozen: every decision is answered Unavailable, and decisions resume after. */
describe('the ratelimit service without Redis', () => {
  let rl: RateLimitUnderTest;
  const body = (): ConsumeRequest => ({
    buckets: [{ key: fresh('outage'), ratePerSecond: NO_REFILL, burst: 5 }],
  });

  beforeAll(async () => {
    rl = await startRateLimitUnderTest();
  });

  afterAll(() => rl?.close());

  it('answers Unavailable while Redis is stopped, and decides again once it is back', async () => {
    allowed(await rl.consume(body()));
    expect(await rl.metric(0, 'portico_ratelimit_redis_available')).toBe(1);
    await rl.infra.stopRedis();
    try {
      const replies = await Promise.all([1, 2, 3].map(() => rl.consume(body())));
      for (const reply of replies) {
        expect(reply).toEqual({
          ok: false,
          error: { code: 'Unavailable', message: expect.stringContaining('unavailable') },
        });
      }
      expect(await rl.metric(0, 'portico_ratelimit_redis_available')).toBe(0);
      expect(await rl.metric(0, 'portico_ratelimit_redis_failures_total')).toBeGreaterThanOrEqual(
        3,
      );
      expect(
        await rl.metric(0, 'portico_ratelimit_decisions_total', 'outcome="unavailable"'),
      ).toBeGreaterThanOrEqual(3);
    } finally {
      await rl.infra.startRedis();
    }
    // A restarted Redis has lost the script: it is loaded again.
    await eventually(async () => {
      allowed(await rl.consume(body()));
    }, 20_000);
    expect(await rl.metric(0, 'portico_ratelimit_redis_available')).toBe(1);
  });

  it('answers Unavailable while Redis is frozen, and decides again once it thaws', async () => {
    const admin = new Redis(rl.infra.redisUrl);
    try {
      await admin.client('PAUSE', 2000, 'ALL');
      expect(await rl.consume(body())).toEqual({
        ok: false,
        error: { code: 'Unavailable', message: expect.stringContaining('timed out') },
      });
      expect(await rl.metric(0, 'portico_ratelimit_redis_available')).toBe(0);
    } finally {
      admin.disconnect();
    }
    await eventually(async () => {
      allowed(await rl.consume(body()));
    });
    expect(await rl.metric(0, 'portico_ratelimit_redis_available')).toBe(1);
  });
});

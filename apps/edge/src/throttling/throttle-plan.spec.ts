import type { BucketRef, ConsumeReply, QuotaRef } from '@portico/contracts';
import { LeaseStore } from './lease-store';
import {
  bucketsFor,
  compileStageThrottling,
  leaseSize,
  retryAfterSeconds,
  throttleLimitOf,
} from './throttle-plan';

const ACCOUNT = { ratePerSecond: 10000, burst: 5000 };
const scope = { apiId: 'a1', stageName: 'prod', resourcePath: '/pets', methodKey: 'GET' };

describe('throttling limits', () => {
  it('reads a limit only when rate and burst are both set (-1 or absent is not set)', () => {
    expect(throttleLimitOf({ throttlingRateLimit: 5, throttlingBurstLimit: 10 })).toEqual({
      ratePerSecond: 5,
      burst: 10,
    });
    expect(throttleLimitOf({ throttlingRateLimit: -1, throttlingBurstLimit: 10 })).toBeUndefined();
    expect(throttleLimitOf({ throttlingBurstLimit: 10 })).toBeUndefined();
    expect(throttleLimitOf(undefined)).toBeUndefined();
  });

  it('puts the account alone under a stage without throttling', () => {
    const set = bucketsFor(ACCOUNT, compileStageThrottling({}), scope);
    expect(set.buckets).toEqual([{ key: 'account', ...ACCOUNT }]);
  });

  it('adds the stage default, or the method override instead of it', () => {
    const throttling = compileStageThrottling({
      '*/*': { throttlingRateLimit: 100, throttlingBurstLimit: 50 },
      '~1pets/GET': { throttlingRateLimit: 2, throttlingBurstLimit: 3 },
      'toys/*': { throttlingRateLimit: 4, throttlingBurstLimit: 5 },
    });
    expect(bucketsFor(ACCOUNT, throttling, scope).buckets.map((b) => b.key)).toEqual([
      'account',
      'method:a1/prod/pets/GET',
    ]);
    expect(
      bucketsFor(ACCOUNT, throttling, { ...scope, methodKey: 'POST' }).buckets.map((b) => b.key),
    ).toEqual(['account', 'stage:a1/prod']);
    expect(
      bucketsFor(ACCOUNT, throttling, { ...scope, resourcePath: '/toys', methodKey: 'PUT' })
        .buckets[1],
    ).toEqual({ key: 'method:a1/prod/toys/PUT', ratePerSecond: 4, burst: 5 });
  });

  it('names a set by its buckets and limits, so a changed limit is a new lease', () => {
    const a = bucketsFor(
      ACCOUNT,
      compileStageThrottling({ '*/*': { throttlingRateLimit: 1, throttlingBurstLimit: 2 } }),
      scope,
    );
    const b = bucketsFor(
      ACCOUNT,
      compileStageThrottling({ '*/*': { throttlingRateLimit: 1, throttlingBurstLimit: 3 } }),
      scope,
    );
    expect(a.id).not.toBe(b.id);
    expect(a.closed).toBe(false);
  });

  it('names a method with a long resource path by its hash, within the service key limit', () => {
    const resourcePath = `/${'segment/'.repeat(40)}end`;
    const throttling = compileStageThrottling({
      [`${resourcePath}/GET`]: { throttlingRateLimit: 1, throttlingBurstLimit: 1 },
    });
    const keys = ['GET', 'POST'].map(
      (methodKey) => bucketsFor(ACCOUNT, throttling, { ...scope, resourcePath, methodKey }).buckets,
    );
    expect(keys[0]?.[1]?.key).toMatch(/^method:a1\/prod#[0-9a-f]{64}$/);
    expect(keys[1]).toHaveLength(1);
  });

  it('closes a set with a zero limit', () => {
    const zero = compileStageThrottling({
      '*/*': { throttlingRateLimit: 0, throttlingBurstLimit: 0 },
    });
    expect(bucketsFor(ACCOUNT, zero, scope).closed).toBe(true);
  });
});

describe('lease size', () => {
  const b = (ratePerSecond: number, burst: number): BucketRef => ({
    key: 'k',
    ratePerSecond,
    burst,
  });

  it('is the fraction of the tightest min(rate, burst), at least 1', () => {
    expect(leaseSize([b(10000, 5000)], 0.01)).toBe(50);
    expect(leaseSize([b(10000, 5000), b(1000, 2000)], 0.01)).toBe(10);
    expect(leaseSize([b(10000, 5000), b(50, 10)], 0.01)).toBe(1);
    expect(leaseSize([b(10000, 5000)], 0)).toBe(1);
  });

  it('never exceeds a burst', () => {
    expect(leaseSize([b(1000, 3)], 1)).toBe(3);
  });

  it('turns retryAfterMs into whole seconds, at least 1', () => {
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(Number.NaN)).toBe(1);
  });
});

describe('LeaseStore', () => {
  const buckets: BucketRef[] = [{ key: 'account', ratePerSecond: 1000, burst: 1000 }];
  let now = 0;
  let calls: number[];
  let available: number;

  /** A bucket that does not refill: admits `cost` while it has it. */
  const consume = (_b: readonly BucketRef[], cost: number): Promise<ConsumeReply> => {
    calls.push(cost);
    if (available >= cost) {
      available -= cost;
      return Promise.resolve({ ok: true, allowed: true, remaining: available });
    }
    // As the service answers: the time until the bucket holds `cost`, at 1 token a millisecond.
    return Promise.resolve({
      ok: true,
      allowed: false,
      refusedBy: 'throttle',
      key: 'account',
      retryAfterMs: cost - available,
    });
  };

  beforeEach(() => {
    now = 0;
    calls = [];
    available = 25;
  });

  it('spends one lease locally, then asks again', async () => {
    const store = new LeaseStore(consume, { fraction: 0.01, ttlMs: 250, now: () => now });
    for (let i = 0; i < 10; i++) expect((await store.take('s', buckets)).kind).toBe('admitted');
    expect(calls).toEqual([10]);
    await store.take('s', buckets);
    expect(calls).toEqual([10, 10]);
  });

  it('shares one pending request among concurrent takes', async () => {
    const store = new LeaseStore(consume, { fraction: 0.01, ttlMs: 250, now: () => now });
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => store.take('s', buckets)));
    expect(outcomes.every((o) => o.kind === 'admitted')).toBe(true);
    expect(calls).toEqual([10]);
  });

  it('admits exactly what the bucket holds, asking for single tokens at the end', async () => {
    const store = new LeaseStore(consume, { fraction: 0.01, ttlMs: 250, now: () => now });
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => store.take('s', buckets)));
    expect(outcomes.filter((o) => o.kind === 'admitted')).toHaveLength(25);
    expect(outcomes.find((o) => o.kind === 'refused')).toEqual({
      kind: 'refused',
      refusedBy: 'throttle',
      retryAfterMs: 1,
    });
    // A lease; then one token for each waiting take; refused, what is left; then one more.
    expect(calls).toEqual([10, 30, 15, 15, 1]);
    // Refused: the set is refused locally until the service's retry time.
    const before = calls.length;
    expect((await store.take('s', buckets)).kind).toBe('refused');
    expect(calls).toHaveLength(before);
  });

  it('drops a lease not spent in time', async () => {
    const store = new LeaseStore(consume, { fraction: 0.01, ttlMs: 250, now: () => now });
    await store.take('s', buckets);
    now = 250;
    await store.take('s', buckets);
    expect(calls).toEqual([10, 10]);
    expect(available).toBe(5);
  });

  it('says unavailable when the service does not decide', async () => {
    const store = new LeaseStore(
      () => Promise.resolve({ ok: false, error: { code: 'Unavailable', message: 'down' } }),
      { fraction: 0.01, ttlMs: 250, now: () => now },
    );
    expect(await store.take('s', buckets)).toEqual({ kind: 'unavailable', message: 'down' });
  });

  it('holds back only the set whose request the service refused as malformed', async () => {
    const store = new LeaseStore(
      (b) =>
        Promise.resolve(
          b[0]?.key === 'bad'
            ? { ok: false, error: { code: 'BadRequest', message: 'periodEndsAt is over' } }
            : { ok: true, allowed: true, remaining: 100 },
        ),
      { fraction: 0.01, ttlMs: 250, retryUnavailableMs: 1000, now: () => now },
    );
    const bad = [{ key: 'bad', ratePerSecond: 10, burst: 10 }];
    expect(await store.take('bad', bad)).toEqual({
      kind: 'unavailable',
      message: 'periodEndsAt is over',
    });
    expect((await store.take('s', buckets)).kind).toBe('admitted');
  });

  it('drops idle leases rather than live ones when it holds its most', async () => {
    const store = new LeaseStore(consume, {
      fraction: 0.01,
      ttlMs: 250,
      maxSets: 3,
      now: () => now,
    });
    available = 1000;
    await store.take('old-1', buckets);
    await store.take('old-2', buckets);
    now = 300; // both expired and idle
    await store.take('live', buckets);
    await store.take('new', buckets);
    expect(store.size).toBe(2);
    // The live lease was kept: it spends its tokens without asking.
    const asked = calls.length;
    expect((await store.take('live', buckets)).kind).toBe('admitted');
    expect(calls).toHaveLength(asked);
  });

  it('asks an unavailable service again only after retryUnavailableMs, for every set', async () => {
    let asked = 0;
    let up = false;
    const store = new LeaseStore(
      (_b, cost) => {
        asked += 1;
        return Promise.resolve(
          up
            ? { ok: true, allowed: true, remaining: 100 - cost }
            : { ok: false, error: { code: 'Unavailable', message: 'down' } },
        );
      },
      { fraction: 0.01, ttlMs: 250, retryUnavailableMs: 1000, now: () => now },
    );
    for (const set of ['a', 'b', 'a', 'c']) {
      expect((await store.take(set, buckets)).kind).toBe('unavailable');
    }
    expect(asked).toBe(1);
    up = true;
    now = 999;
    expect((await store.take('a', buckets)).kind).toBe('unavailable');
    now = 1000;
    expect((await store.take('a', buckets)).kind).toBe('admitted');
    expect(asked).toBe(2);
  });
});

describe('LeaseStore with a quota', () => {
  const buckets: BucketRef[] = [{ key: 'account', ratePerSecond: 10000, burst: 5000 }];
  const quota = (limit: number): QuotaRef[] => [
    { key: 'quota:p:k:2026-12-01', limit, periodEndsAt: 1e13, usageKey: 'usage:p:k:2026-12-08' },
  ];
  let now = 0;
  let used: number;
  let calls: number[];
  let refunds: number[];

  /** A quota counter as the service keeps it (the bucket never refuses here). */
  const consume = (
    _b: readonly BucketRef[],
    cost: number,
    quotas?: readonly QuotaRef[],
  ): Promise<ConsumeReply> => {
    calls.push(cost);
    const q = quotas?.[0];
    if (!q) throw new Error('a quota was expected');
    if (used + cost > q.limit) {
      return Promise.resolve({
        ok: true,
        allowed: false,
        refusedBy: 'quota',
        key: q.key,
        retryAfterMs: 3_600_000,
      });
    }
    used += cost;
    return Promise.resolve({
      ok: true,
      allowed: true,
      remaining: 100,
      quotaRemaining: { [q.key]: q.limit - used },
    });
  };
  const refund = (_q: readonly QuotaRef[], cost: number): void => {
    refunds.push(cost);
    used -= cost;
  };

  beforeEach(() => {
    jest.useFakeTimers();
    now = 0;
    used = 0;
    calls = [];
    refunds = [];
  });
  afterEach(() => jest.useRealTimers());

  const store = () =>
    new LeaseStore(consume, { fraction: 0.1, ttlMs: 250, refund, now: () => now });

  it('leases a fraction of what the quota has left, down to single units', async () => {
    const leases = store();
    for (let i = 0; i < 40; i++) {
      expect((await leases.take('s', buckets, quota(40))).kind).toBe('admitted');
    }
    // 10% of 40, then of what each lease left (36, 33, 30, 27, …, 19 and below: single units).
    expect(calls).toEqual([4, 3, 3, 3, 2, 2, 2, 2, ...Array<number>(19).fill(1)]);
    expect(used).toBe(40);
    const refused = await leases.take('s', buckets, quota(40));
    expect(refused).toEqual({ kind: 'refused', refusedBy: 'quota', retryAfterMs: 3_600_000 });
    expect(refunds).toEqual([]);
  });

  it('gives back what a lease did not spend when it ends, and counts only what was admitted', async () => {
    const leases = store();
    await leases.take('s', buckets, quota(1000));
    expect(calls).toEqual([100]);
    expect(leases.remaining('s')).toEqual({ tokens: 199, quota: 999 });
    jest.advanceTimersByTime(250);
    expect(refunds).toEqual([99]);
    expect(used).toBe(1);
    // The next lease is 10% of the 900 left; it gives back its own unspent units, once.
    now = 300;
    await leases.take('s', buckets, quota(1000));
    jest.advanceTimersByTime(250);
    expect(refunds).toEqual([99, 89]);
    expect(used).toBe(2);
  });

  it('gives back an expired lease before taking the next one, even before its timer', async () => {
    const leases = store();
    await leases.take('s', buckets, quota(1000));
    now = 250;
    await leases.take('s', buckets, quota(1000));
    expect(refunds).toEqual([99]);
    jest.advanceTimersByTime(250);
    expect(refunds).toEqual([99, 89]);
    expect(used).toBe(2);
  });

  it('asks again after a lease lifetime when refused by a quota (others may give units back)', async () => {
    const leases = store();
    used = 10;
    expect((await leases.take('s', buckets, quota(10))).kind).toBe('refused');
    expect(calls).toEqual([1]);
    now = 249;
    const local = await leases.take('s', buckets, quota(10));
    expect(local).toEqual({ kind: 'refused', refusedBy: 'quota', retryAfterMs: 3_600_000 - 249 });
    expect(calls).toEqual([1]);
    used = 9; // another edge gave a unit back
    now = 250;
    expect((await leases.take('s', buckets, quota(10))).kind).toBe('admitted');
    expect(calls).toEqual([1, 1]);
  });

  it('gives back what it holds when cleared or when a set is evicted', async () => {
    const leases = new LeaseStore(consume, {
      fraction: 0.1,
      ttlMs: 250,
      refund,
      maxSets: 1,
      now: () => now,
    });
    await leases.take('a', buckets, quota(1000));
    await leases.take('b', buckets, quota(1000));
    expect(refunds).toEqual([99]);
    leases.clear();
    expect(refunds).toEqual([99, 99]);
    expect(used).toBe(2);
  });
});

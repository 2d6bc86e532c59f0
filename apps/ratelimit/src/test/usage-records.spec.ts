import {
  type ConsumeReply,
  type QuotaRef,
  RATELIMIT_REFUND,
  RATELIMIT_USAGE_GET,
  RATELIMIT_USAGE_UPDATE,
  type UsageGetReply,
  type UsageUpdateReply,
  usageKey,
} from '@portico/contracts';
import { eventually } from '@portico/testing';
import Redis from 'ioredis';
import { loadRateLimitConfig } from '../config';
import { type RateLimitUnderTest, startRateLimitUnderTest } from './ratelimit-harness';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let unique = 0;
const fresh = (name: string): string => `${name}-${++unique}`;

function quotaLeft(reply: ConsumeReply, key: string): number | undefined {
  if (!reply.ok || !reply.allowed) throw new Error(`expected admission: ${JSON.stringify(reply)}`);
  return reply.quotaRemaining?.[key];
}

describe('RATELIMIT_USAGE_RETENTION_DAYS', () => {
  it('defaults to 90 days and refuses a value below 1', () => {
    expect(loadRateLimitConfig({}).RATELIMIT_USAGE_RETENTION_DAYS).toBe(90);
    expect(() => loadRateLimitConfig({ RATELIMIT_USAGE_RETENTION_DAYS: '0' })).toThrow(
      /RATELIMIT_USAGE_RETENTION_DAYS/,
    );
  });
});

/** Usage records, refunds and UpdateUsage on one replica over real NATS and Redis. */
describe('usage records', () => {
  let rl: RateLimitUnderTest;
  // One plan and key per test; days named as the edge names them.
  let plan: string;
  const key = 'key1';
  const record = (day: string) => usageKey(plan, key, day);
  const quota = (
    limit: number,
    day = '2026-03-01',
    periodEndsAt = Date.now() + HOUR,
  ): QuotaRef => ({
    key: `quota:${plan}:${key}:${day}`,
    limit,
    periodEndsAt,
    usageKey: record(day),
  });
  const usage = (days: string[], keyIds = [key]) =>
    rl.call<UsageGetReply>(RATELIMIT_USAGE_GET, { usagePlanId: plan, keyIds, days });
  const stored = (day: string) => rl.redis.hgetall(rl.usageRecordKey(record(day)));
  /** Publishes a refund, then waits until a later marker refund on one replica has been applied. */
  const refund = async (body: object | string) => {
    await rl.publish(RATELIMIT_REFUND, body);
    const marker = { key: fresh('marker'), limit: 5, periodEndsAt: Date.now() + HOUR };
    await rl.consume({ buckets: [], quotas: [marker] });
    await rl.publish(RATELIMIT_REFUND, { quotas: [marker], cost: 1 });
    await eventually(async () => expect(await rl.redis.get(rl.quotaKey(marker.key))).toBe('0'));
  };

  beforeAll(async () => {
    rl = await startRateLimitUnderTest({ env: { RATELIMIT_REDIS_TIMEOUT_MS: '1000' } });
  });

  afterAll(() => rl?.close());

  beforeEach(() => {
    plan = fresh('plan');
  });

  it('records per day what was admitted and what the quota had left, kept for the retention', async () => {
    const q = quota(10);
    expect(quotaLeft(await rl.consume({ buckets: [], quotas: [q], cost: 2 }), q.key)).toBe(8);
    expect(quotaLeft(await rl.consume({ buckets: [], quotas: [q], cost: 3 }), q.key)).toBe(5);
    expect(await stored('2026-03-01')).toEqual({ used: '5', remaining: '5' });
    const ttl = await rl.redis.pttl(rl.usageRecordKey(record('2026-03-01')));
    expect(ttl).toBeGreaterThan(89 * DAY);
    expect(ttl).toBeLessThanOrEqual(90 * DAY);
    // The next day's record starts afresh while the period's counter goes on.
    const nextDay = { ...q, usageKey: record('2026-03-02') };
    expect(quotaLeft(await rl.consume({ buckets: [], quotas: [nextDay] }), q.key)).toBe(4);
    expect(await usage(['2026-02-28', '2026-03-01', '2026-03-02'])).toEqual({
      ok: true,
      usage: { [key]: [null, { used: 5, remaining: 5 }, { used: 1, remaining: 4 }] },
    });
    // The record sits under the service's prefix and hash tag.
    expect(rl.usageRecordKey(record('x'))).toBe(
      `${rl.infra.redisKeyPrefix}{ratelimit}:usage:${plan}:${key}:x`,
    );
  });

  it('writes no usage for a refusal, by the quota or by a bucket', async () => {
    const q = quota(3);
    quotaLeft(await rl.consume({ buckets: [], quotas: [q], cost: 3 }), q.key);
    const refusal = await rl.consume({ buckets: [], quotas: [q] });
    expect(refusal).toMatchObject({ ok: true, allowed: false, refusedBy: 'quota' });
    expect(await stored('2026-03-01')).toEqual({ used: '3', remaining: '0' });
    const empty = { key: fresh('empty'), ratePerSecond: 0.0001, burst: 1 };
    await rl.consume({ buckets: [empty] });
    const other = quota(3, '2026-03-05');
    const throttled = await rl.consume({ buckets: [empty], quotas: [other] });
    expect(throttled).toMatchObject({ ok: true, allowed: false, refusedBy: 'throttle' });
    expect(await rl.redis.exists(rl.usageRecordKey(record('2026-03-05')))).toBe(0);
    expect(await rl.redis.exists(rl.quotaKey(other.key))).toBe(0);
  });

  it('refunds unspent units to the quota and the day, never below 0', async () => {
    const q = quota(10);
    await rl.consume({ buckets: [], quotas: [q], cost: 4 });
    await rl.consume({ buckets: [], quotas: [q], cost: 4 });
    await refund({ quotas: [q], cost: 3 });
    expect(await rl.redis.get(rl.quotaKey(q.key))).toBe('5');
    expect(await stored('2026-03-01')).toEqual({ used: '5', remaining: '5' });
    // The period keeps its end.
    expect(await rl.redis.pexpiretime(rl.quotaKey(q.key))).toBe(q.periodEndsAt);
    // More than was counted: down to 0, not below.
    await refund({ quotas: [q], cost: 50 });
    expect(await rl.redis.get(rl.quotaKey(q.key))).toBe('0');
    expect(await stored('2026-03-01')).toEqual({ used: '0', remaining: '10' });
    expect(quotaLeft(await rl.consume({ buckets: [], quotas: [q], cost: 10 }), q.key)).toBe(0);
  });

  it('refunds nothing to a counter whose period is over, and recreates neither it nor its record', async () => {
    const q = quota(10, '2026-03-01', Date.now() + 300);
    await rl.consume({ buckets: [], quotas: [q], cost: 4 });
    await eventually(async () => expect(await rl.redis.exists(rl.quotaKey(q.key))).toBe(0));
    await refund({ quotas: [q], cost: 4 });
    expect(await rl.redis.exists(rl.quotaKey(q.key))).toBe(0);
    expect(await stored('2026-03-01')).toEqual({ used: '4', remaining: '6' });
    // A record gone (past retention) is not brought back by a refund to a live counter.
    const live = quota(10, '2026-03-02');
    await rl.consume({ buckets: [], quotas: [live], cost: 4 });
    await rl.redis.del(rl.usageRecordKey(record('2026-03-02')));
    await refund({ quotas: [live], cost: 1 });
    expect(await rl.redis.get(rl.quotaKey(live.key))).toBe('3');
    expect(await rl.redis.exists(rl.usageRecordKey(record('2026-03-02')))).toBe(0);
  });

  it('drops malformed refunds with nothing taken, and goes on applying good ones', async () => {
    const q = quota(10);
    await rl.consume({ buckets: [], quotas: [q], cost: 5 });
    for (const bad of [
      'not json',
      '[]',
      { quotas: [q] },
      { quotas: [q], cost: 0 },
      { quotas: [q], cost: 1.5 },
      { quotas: [], cost: 1 },
      { quotas: [{ ...q, key: '' }], cost: 1 },
      { quotas: [{ ...q, usageKey: 7 }], cost: 1 },
      { quotas: [q, { ...q, key: 'other' }], cost: 1 },
    ]) {
      await refund(bad);
    }
    expect(await rl.redis.get(rl.quotaKey(q.key))).toBe('5');
    await refund({ quotas: [q], cost: 2 });
    expect(await rl.redis.get(rl.quotaKey(q.key))).toBe('3');
  });

  it('sets what a quota has left with UpdateUsage, beyond its limit too, keeping the period', async () => {
    const q = quota(10);
    await rl.consume({ buckets: [], quotas: [q], cost: 7 });
    const set = (remaining: number) =>
      rl.call<UsageUpdateReply>(RATELIMIT_USAGE_UPDATE, { quota: q, remaining });
    expect(await set(25)).toEqual({ ok: true, remaining: 25 });
    expect(await rl.redis.get(rl.quotaKey(q.key))).toBe('-15');
    expect(await rl.redis.pexpiretime(rl.quotaKey(q.key))).toBe(q.periodEndsAt);
    expect(await stored('2026-03-01')).toEqual({ used: '7', remaining: '25' });
    expect(quotaLeft(await rl.consume({ buckets: [], quotas: [q] }), q.key)).toBe(24);
    // A counter below 0 has nothing a refund could take back.
    await refund({ quotas: [q], cost: 5 });
    expect(await rl.redis.get(rl.quotaKey(q.key))).toBe('-14');
    // Reset to nothing left: the next request is refused.
    expect(await set(0)).toEqual({ ok: true, remaining: 0 });
    expect(await rl.consume({ buckets: [], quotas: [q] })).toMatchObject({ allowed: false });
    // A day with no record yet gets one, used 0; a counter that had gone is created.
    const fresh = quota(10, '2026-03-09');
    expect(await rl.call(RATELIMIT_USAGE_UPDATE, { quota: fresh, remaining: 4 })).toEqual({
      ok: true,
      remaining: 4,
    });
    expect(await stored('2026-03-09')).toEqual({ used: '0', remaining: '4' });
    expect(await rl.redis.get(rl.quotaKey(fresh.key))).toBe('6');
  });

  it('answers BadRequest to malformed usage reads, updates and usage keys', async () => {
    const days = (n: number) => Array.from({ length: n }, (_, i) => `2026-01-${i}`);
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);
    const q = quota(10);
    const bad: [string, object | string, RegExp][] = [
      [RATELIMIT_USAGE_GET, 'not json', /not JSON/],
      [RATELIMIT_USAGE_GET, { keyIds: [], days: [] }, /usagePlanId must be a string/],
      [RATELIMIT_USAGE_GET, { usagePlanId: 'p', keyIds: 'k', days: [] }, /keyIds must be/],
      [RATELIMIT_USAGE_GET, { usagePlanId: 'p', keyIds: keys(1001), days: [] }, /at most 1000/],
      [RATELIMIT_USAGE_GET, { usagePlanId: 'p', keyIds: [], days: days(129) }, /at most 128 days/],
      [
        RATELIMIT_USAGE_GET,
        { usagePlanId: 'p', keyIds: keys(100), days: days(51) },
        /at most 5000 records/,
      ],
      [RATELIMIT_USAGE_GET, { usagePlanId: 'p', keyIds: [''], days: [] }, /keyIds\[0\]/],
      [RATELIMIT_USAGE_GET, { usagePlanId: 'p', keyIds: [], days: ['1 May'] }, /days\[0\]/],
      [RATELIMIT_USAGE_UPDATE, { remaining: 1 }, /quota must be an object/],
      [RATELIMIT_USAGE_UPDATE, { quota: q, remaining: -1 }, /remaining must be an integer/],
      [RATELIMIT_USAGE_UPDATE, { quota: q, remaining: '5' }, /remaining must be an integer/],
      [
        RATELIMIT_USAGE_UPDATE,
        { quota: { ...q, periodEndsAt: Date.now() - 1 }, remaining: 1 },
        /periodEndsAt must be .* in the future/,
      ],
      [
        'portico.ratelimit.bucket.consume.v1',
        { buckets: [], quotas: [{ ...q, usageKey: '' }] },
        /usageKey must be a string of 1 to 256/,
      ],
      [
        'portico.ratelimit.bucket.consume.v1',
        { buckets: [], quotas: [{ ...q, usageKey: 'bucket:account' }] },
        /usageKey must start with usage:/,
      ],
      [
        'portico.ratelimit.bucket.consume.v1',
        { buckets: [], quotas: [q, { ...q, key: 'other' }] },
        /usage record .* is named twice/,
      ],
    ];
    for (const [subject, body, message] of bad) {
      expect({ body, reply: await rl.call(subject, body) }).toEqual({
        body,
        reply: {
          ok: false,
          error: { code: 'BadRequest', message: expect.stringMatching(message) },
        },
      });
    }
    // Nothing was written by any of them.
    expect(await rl.redis.exists(rl.quotaKey(q.key))).toBe(0);
  });

  it('answers Unavailable to usage reads and updates while Redis is frozen, and reads again after', async () => {
    const q = quota(10);
    await rl.consume({ buckets: [], quotas: [q], cost: 5 });
    const admin = new Redis(rl.infra.redisUrl);
    try {
      await admin.client('PAUSE', 3000, 'ALL');
      const unavailable = {
        ok: false,
        error: { code: 'Unavailable', message: expect.stringContaining('unavailable') },
      };
      expect(await usage(['2026-03-01'])).toEqual(unavailable);
      // (A write that timed out may still apply once Redis thaws: Unavailable means unknown.)
      expect(await rl.call(RATELIMIT_USAGE_UPDATE, { quota: q, remaining: 1 })).toEqual(
        unavailable,
      );
    } finally {
      admin.disconnect();
    }
    await eventually(async () => expect((await usage(['2026-03-01'])).ok).toBe(true));
  });
});

import { bucketSetOf } from '../throttling/throttle-plan';
import { UsagePlanIndex } from '../throttling/usage-plan-index';
import {
  compileRouteThrottling,
  connectBuckets,
  type MessageAllowance,
  messageBuckets,
  NO_ROUTE_THROTTLING,
  takeMessageToken,
} from './websocket-throttling';

const ACCOUNT = { ratePerSecond: 10000, burst: 5000 };
const scope = (routeKey: string) => ({ apiId: 'chat', stageName: 'prod', routeKey });

describe('bucketSetOf', () => {
  it('names a set by every key and limit, and is closed when a bucket admits nothing', () => {
    const open = bucketSetOf([
      { key: 'account', ratePerSecond: 10, burst: 5 },
      { key: 'route:a/b/c', ratePerSecond: 0.5, burst: 2 },
    ]);
    expect(open.id).toBe('account|10|5 route:a/b/c|0.5|2');
    expect(open.closed).toBe(false);
    expect(bucketSetOf([{ key: 'x', ratePerSecond: 0, burst: 5 }]).closed).toBe(true);
    expect(bucketSetOf([{ key: 'x', ratePerSecond: 5, burst: 0 }]).closed).toBe(true);
    // Same keys, other limits: another set, so an edge never spends one's lease for the other.
    expect(bucketSetOf([{ key: 'x', ratePerSecond: 5, burst: 2 }]).id).not.toBe(
      bucketSetOf([{ key: 'x', ratePerSecond: 5, burst: 3 }]).id,
    );
  });
});

describe('connectBuckets', () => {
  it('is one bucket per API with a second of burst; none for no limit', () => {
    expect(connectBuckets('chat', 500)?.buckets).toEqual([
      { key: 'connect:chat', ratePerSecond: 500, burst: 500 },
    ]);
    expect(connectBuckets('chat', 0)).toBeUndefined();
    expect(connectBuckets('chat', -1)).toBeUndefined();
    expect(connectBuckets('chat', Number.NaN)).toBeUndefined();
  });

  it('admits at least one at a fractional rate rather than closing the API', () => {
    const set = connectBuckets('chat', 0.5)!;
    expect(set.buckets[0]).toMatchObject({ ratePerSecond: 0.5, burst: 1 });
    expect(set.closed).toBe(false);
  });
});

describe('compileRouteThrottling', () => {
  it('reads the stage default and the routes that set both rate and burst', () => {
    const t = compileRouteThrottling(
      { throttlingRateLimit: 100, throttlingBurstLimit: 50 },
      {
        echo: { throttlingRateLimit: 2, throttlingBurstLimit: 1 },
        half: { throttlingRateLimit: 2 },
        unset: { throttlingRateLimit: -1, throttlingBurstLimit: -1 },
        closed: { throttlingRateLimit: 0, throttlingBurstLimit: 0 },
      },
    );
    expect(t.stageDefault).toEqual({ ratePerSecond: 100, burst: 50 });
    expect([...t.routes.keys()].sort()).toEqual(['closed', 'echo']);
  });

  it('is the shared empty value when nothing is set', () => {
    expect(compileRouteThrottling(undefined, undefined)).toBe(NO_ROUTE_THROTTLING);
    expect(compileRouteThrottling({ throttlingBurstLimit: 5 }, { a: {} })).toBe(
      NO_ROUTE_THROTTLING,
    );
  });
});

describe('messageBuckets', () => {
  const throttling = compileRouteThrottling(
    { throttlingRateLimit: 100, throttlingBurstLimit: 50 },
    {
      echo: { throttlingRateLimit: 2, throttlingBurstLimit: 1 },
      $default: { throttlingRateLimit: 0, throttlingBurstLimit: 0 },
    },
  );

  it('is the account alone without route throttling: the set REST requests under it share', () => {
    const set = messageBuckets(ACCOUNT, NO_ROUTE_THROTTLING, scope('echo'));
    expect(set.buckets).toEqual([{ key: 'account', ...ACCOUNT }]);
    expect(set.id).toBe('account|10000|5000');
  });

  it("takes the route's own bucket over the stage default", () => {
    expect(messageBuckets(ACCOUNT, throttling, scope('echo')).buckets).toEqual([
      { key: 'account', ...ACCOUNT },
      { key: 'route:chat/prod/echo', ratePerSecond: 2, burst: 1 },
    ]);
  });

  it('puts every other route under one stage bucket', () => {
    const a = messageBuckets(ACCOUNT, throttling, scope('join'));
    const b = messageBuckets(ACCOUNT, throttling, scope('leave'));
    expect(a.buckets[1]).toEqual({ key: 'stage:chat/prod', ratePerSecond: 100, burst: 50 });
    expect(b.id).toBe(a.id);
  });

  it('closes a route throttled to 0', () => {
    expect(messageBuckets(ACCOUNT, throttling, scope('$default')).closed).toBe(true);
  });

  it('names a route key too long for the service by its hash', () => {
    const long = 'k'.repeat(300);
    const t = compileRouteThrottling(undefined, {
      [long]: { throttlingRateLimit: 1, throttlingBurstLimit: 1 },
    });
    const key = messageBuckets(ACCOUNT, t, scope(long)).buckets[1]!.key;
    expect(key).toMatch(/^route:chat\/prod#[0-9a-f]{64}$/);
    const other = compileRouteThrottling(undefined, {
      [`${long}x`]: { throttlingRateLimit: 1, throttlingBurstLimit: 1 },
    });
    expect(messageBuckets(ACCOUNT, other, scope(`${long}x`)).buckets[1]!.key).not.toBe(key);
  });

  it("adds a connection's API key plan: its bucket for the key and its quota, not its method throttles", () => {
    const plans = new UsagePlanIndex([
      {
        plan: {
          id: 'p1',
          name: 'p1',
          tags: {},
          throttle: { rateLimit: 5, burstLimit: 10 },
          quota: { limit: 100, period: 'DAY' },
          apiStages: [
            { apiId: 'chat', stage: 'prod', throttle: { '/echo/GET': { rateLimit: 1 } } },
          ],
        },
        keyIds: ['k1'],
      },
    ]);
    const now = Date.UTC(2026, 11, 8, 12);
    const apiKey = { id: 'k1', plan: plans.planFor('chat', 'prod', 'k1')! };
    const set = messageBuckets(ACCOUNT, throttling, { ...scope('echo'), apiKey }, now);
    expect(set.buckets.map((b) => b.key)).toEqual([
      'account',
      'route:chat/prod/echo',
      'plan:p1:k1',
    ]);
    expect(set.quotas).toEqual([
      {
        key: 'quota:p1:k1:2026-12-08',
        limit: 100,
        periodEndsAt: Date.UTC(2026, 11, 9),
        usageKey: 'usage:p1:k1:2026-12-08',
      },
    ]);
    // A new day is a new set: a new quota period, a new usage record.
    const tomorrow = messageBuckets(ACCOUNT, throttling, { ...scope('echo'), apiKey }, now + 864e5);
    expect(tomorrow.id).not.toBe(set.id);
  });
});

describe('takeMessageToken', () => {
  const fresh = (): MessageAllowance => ({ messageTokens: Infinity, messageRefilledAt: 0 });
  const taken = (a: MessageAllowance, n: number, now: number): number =>
    Array.from({ length: n }, () => takeMessageToken(a, 10, 5, now)).filter(Boolean).length;

  it('admits a full burst first, then refills at the rate, never above the burst', () => {
    const a = fresh();
    expect(taken(a, 8, 0)).toBe(5);
    expect(taken(a, 8, 250)).toBe(2); // 2.5 tokens back
    expect(taken(a, 1, 300)).toBe(1); // the half left plus 0.5 more
    expect(taken(a, 20, 60_000)).toBe(5);
  });

  it('refills nothing when the clock steps back', () => {
    const a = fresh();
    taken(a, 5, 1000);
    expect(taken(a, 5, 500)).toBe(0);
    expect(a.messageRefilledAt).toBe(500);
    expect(taken(a, 5, 600)).toBe(1);
  });
});

import type { UsagePlan } from '@portico/definitions';
import { bucketsFor, NO_STAGE_THROTTLING } from './throttle-plan';
import { planLimitOf, UsagePlanIndex } from './usage-plan-index';

const ACCOUNT = { ratePerSecond: 10000, burst: 5000 };

const plan = (id: string, extra: Partial<UsagePlan> = {}): UsagePlan => ({
  id,
  name: id,
  apiStages: [{ apiId: 'a1', stage: 'prod' }],
  tags: {},
  ...extra,
});

describe('UsagePlanIndex', () => {
  it("finds a key's plan by API stage, and nothing where no plan of its covers the stage", () => {
    const index = new UsagePlanIndex([
      { plan: plan('p1'), keyIds: ['k1'] },
      { plan: plan('p2', { apiStages: [{ apiId: 'a2', stage: 'dev' }] }), keyIds: ['k1', 'k2'] },
    ]);
    expect(index.planFor('a1', 'prod', 'k1')?.planId).toBe('p1');
    expect(index.planFor('a2', 'dev', 'k1')?.planId).toBe('p2');
    expect(index.planFor('a1', 'prod', 'k2')).toBeUndefined();
    expect(index.planFor('a1', 'dev', 'k1')).toBeUndefined();
    expect(index.conflicts).toEqual([]);
  });

  it('lets the first plan by id win when two claim one key on one stage, and says so', () => {
    const index = new UsagePlanIndex([
      { plan: plan('pB'), keyIds: ['k1'] },
      { plan: plan('pA'), keyIds: ['k1'] },
    ]);
    expect(index.planFor('a1', 'prod', 'k1')?.planId).toBe('pA');
    expect(index.conflicts).toEqual(['k1 on a1/prod: pA, pB']);
  });

  it('reads throttles: both limits; a rate alone gets a second of burst; no rate, none', () => {
    expect(planLimitOf({ rateLimit: 5, burstLimit: 10 })).toEqual({ ratePerSecond: 5, burst: 10 });
    expect(planLimitOf({ rateLimit: 2.5 })).toEqual({ ratePerSecond: 2.5, burst: 3 });
    expect(planLimitOf({ rateLimit: 0.2 })).toEqual({ ratePerSecond: 0.2, burst: 1 });
    expect(planLimitOf({ burstLimit: 10 })).toBeUndefined();
    expect(planLimitOf(undefined)).toBeUndefined();
  });
});

describe('bucketsFor with a usage plan', () => {
  const now = Date.UTC(2026, 11, 8, 13, 0);
  const index = new UsagePlanIndex([
    {
      plan: plan('p1', {
        throttle: { rateLimit: 10, burstLimit: 20 },
        quota: { limit: 1000, period: 'MONTH', offset: 100 },
        quotaStartedAt: Date.UTC(2026, 11, 2),
        apiStages: [
          {
            apiId: 'a1',
            stage: 'prod',
            throttle: { '/pets/GET': { rateLimit: 1, burstLimit: 2 }, '/toys/*': { rateLimit: 3 } },
          },
        ],
      }),
      keyIds: ['k1', 'k2'],
    },
  ]);
  const scope = (keyId: string, resourcePath = '/pets', methodKey = 'GET') => ({
    apiId: 'a1',
    stageName: 'prod',
    resourcePath,
    methodKey,
    apiKey: { id: keyId, plan: index.planFor('a1', 'prod', keyId)! },
  });

  it("adds the key's plan bucket, its method bucket and its quota in the current period", () => {
    const set = bucketsFor(ACCOUNT, NO_STAGE_THROTTLING, scope('k1'), now);
    expect(set.buckets).toEqual([
      { key: 'account', ...ACCOUNT },
      { key: 'plan:p1:k1', ratePerSecond: 10, burst: 20 },
      { key: 'planmethod:p1:k1:a1/prod/pets/GET', ratePerSecond: 1, burst: 2 },
    ]);
    // December is the quota's initial period: its offset comes off.
    expect(set.quotas).toEqual([
      {
        key: 'quota:p1:k1:2026-12-01',
        limit: 900,
        periodEndsAt: Date.UTC(2027, 0, 1),
        usageKey: 'usage:p1:k1:2026-12-08',
      },
    ]);
  });

  it('gives every key its own buckets and quota, and a later period the full limit', () => {
    const set = bucketsFor(ACCOUNT, NO_STAGE_THROTTLING, scope('k2'), Date.UTC(2027, 0, 3));
    expect(set.buckets.map((b) => b.key)).toEqual([
      'account',
      'plan:p1:k2',
      'planmethod:p1:k2:a1/prod/pets/GET',
    ]);
    expect(set.quotas?.[0]).toMatchObject({ key: 'quota:p1:k2:2027-01-01', limit: 1000 });
    expect(set.id).not.toBe(bucketsFor(ACCOUNT, NO_STAGE_THROTTLING, scope('k2'), now).id);
  });

  it("applies a plan's `{path}/*` throttle to every method of the path, and none elsewhere", () => {
    const toys = bucketsFor(ACCOUNT, NO_STAGE_THROTTLING, scope('k1', '/toys', 'POST'), now);
    expect(toys.buckets[2]).toEqual({
      key: 'planmethod:p1:k1:a1/prod/toys/POST',
      ratePerSecond: 3,
      burst: 3,
    });
    const other = bucketsFor(ACCOUNT, NO_STAGE_THROTTLING, scope('k1', '/other'), now);
    expect(other.buckets.map((b) => b.key)).toEqual(['account', 'plan:p1:k1']);
  });

  it('closes the set when a plan throttle is 0', () => {
    const closed = new UsagePlanIndex([
      { plan: plan('p0', { throttle: { rateLimit: 0, burstLimit: 0 } }), keyIds: ['k'] },
    ]);
    const set = bucketsFor(ACCOUNT, NO_STAGE_THROTTLING, {
      ...scope('k'),
      apiKey: { id: 'k', plan: closed.planFor('a1', 'prod', 'k')! },
    });
    expect(set.closed).toBe(true);
    expect(set.quotas).toBeUndefined();
  });
});

import type { UsagePlan } from '@portico/definitions';
import { applyUsagePlanPatch } from '../usageplans/usage-plan-patch';
import { usagePlanPatch } from './config-file.usage-plan-patch';
import type { DesiredUsagePlan } from './config-file.usage-plans';

const plan = (fields: Partial<UsagePlan>): UsagePlan => ({
  id: 'p1',
  name: 'gold',
  apiStages: [],
  tags: { 'portico:managed-by': 'config-file' },
  ...fields,
});
const want = (fields: Partial<DesiredUsagePlan>): DesiredUsagePlan => ({
  name: 'gold',
  apiStages: [],
  keys: [],
  at: 'usagePlans[0]',
  ...fields,
});

/** What UpdateUsagePlan makes of `current` with the operations the file's plan needs. */
function reconciled(current: UsagePlan, desired: DesiredUsagePlan): UsagePlan {
  return applyUsagePlanPatch(current, usagePlanPatch(current, desired)).plan;
}

describe('usagePlanPatch', () => {
  const full = want({
    description: 'the best',
    apiStages: [
      {
        apiId: 'shop',
        stage: 'prod',
        throttle: { '/items/{id}/GET': { rateLimit: 5, burstLimit: 10 } },
      },
      { apiId: 'shop', stage: 'dev' },
    ],
    throttle: { rateLimit: 100.5, burstLimit: 200 },
    quota: { limit: 1000, period: 'MONTH', offset: 10 },
  });

  it('builds a whole plan from an empty one', () => {
    expect(reconciled(plan({}), full)).toEqual(
      plan({
        description: 'the best',
        apiStages: full.apiStages,
        throttle: full.throttle,
        quota: full.quota,
      }),
    );
  });

  it('asks for nothing when the plan is what the file says', () => {
    const current = reconciled(plan({}), full);
    expect(usagePlanPatch(current, full)).toEqual([]);
  });

  it('writes a quota offset left out as 0, so that it compares equal afterwards', () => {
    const desired = want({ quota: { limit: 5, period: 'DAY' } });
    const current = reconciled(plan({}), desired);
    expect(current.quota).toEqual({ limit: 5, period: 'DAY', offset: 0 });
    expect(usagePlanPatch(current, desired)).toEqual([]);
  });

  it('changes only what differs', () => {
    const current = reconciled(plan({}), full);
    const ops = usagePlanPatch(
      current,
      want({
        ...full,
        throttle: { rateLimit: 7, burstLimit: 200 },
        quota: { ...full.quota!, limit: 9 },
      }),
    );
    expect(ops).toEqual([
      { op: 'replace', path: '/throttle/rateLimit', value: '7' },
      { op: 'replace', path: '/quota/limit', value: '9' },
    ]);
  });

  it('removes what the file no longer says: description, throttle, quota, stages, method throttles', () => {
    const current = reconciled(plan({}), full);
    const desired = want({ apiStages: [{ apiId: 'shop', stage: 'prod' }] });
    expect(reconciled(current, desired)).toEqual(
      plan({ apiStages: [{ apiId: 'shop', stage: 'prod', throttle: {} }] }),
    );
    expect(usagePlanPatch(current, desired)).toContainEqual({
      op: 'remove',
      path: '/apiStages/shop:prod/throttle/~1items~1{id}/GET',
    });
  });

  it('drops a limit the file leaves out by setting the throttle again without it', () => {
    const current = plan({ throttle: { rateLimit: 1, burstLimit: 2 } });
    const desired = want({ throttle: { rateLimit: 3 } });
    expect(usagePlanPatch(current, desired)).toEqual([
      { op: 'remove', path: '/throttle' },
      { op: 'replace', path: '/throttle/rateLimit', value: '3' },
    ]);
    expect(reconciled(current, desired).throttle).toEqual({ rateLimit: 3 });
  });

  it('does the same for a method throttle, and reaches the root resource', () => {
    const current = plan({
      apiStages: [
        { apiId: 'a', stage: 's', throttle: { '//GET': { rateLimit: 1, burstLimit: 2 } } },
      ],
    });
    const desired = want({
      apiStages: [{ apiId: 'a', stage: 's', throttle: { '//GET': { burstLimit: 4 } } }],
    });
    expect(reconciled(current, desired).apiStages).toEqual(desired.apiStages);
  });

  it('replaces a name that differs', () => {
    expect(usagePlanPatch(plan({ name: 'old' }), want({}))).toEqual([
      { op: 'replace', path: '/name', value: 'gold' },
    ]);
  });
});

import type { UsagePlan } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import { applyUsagePlanPatch } from './usage-plan-patch';

const plan = (): UsagePlan => ({
  id: 'p1',
  name: 'plan',
  apiStages: [{ apiId: 'a1', stage: 'prod', throttle: { '/pets/{id}/GET': { rateLimit: 1 } } }],
  throttle: { rateLimit: 5, burstLimit: 10 },
  quota: { limit: 100, period: 'DAY' },
  tags: {},
});

describe('applyUsagePlanPatch', () => {
  it('sets method throttles with the resource path escaped or not, and removes them', () => {
    const { plan: next } = applyUsagePlanPatch(plan(), [
      {
        op: 'replace',
        path: '/apiStages/a1:prod/throttle/~1pets~1{id}/GET/burstLimit',
        value: '4',
      },
      { op: 'replace', path: '/apiStages/a1:prod/throttle//owners/POST/rateLimit', value: '2.5' },
      { op: 'remove', path: '/apiStages/a1:prod/throttle/~1pets~1{id}/GET' },
      { op: 'replace', path: '/apiStages/a1:prod/throttle/~1pets~1{id}/GET/rateLimit', value: '3' },
    ]);
    expect(next.apiStages[0]?.throttle).toEqual({
      '/owners/POST': { rateLimit: 2.5 },
      '/pets/{id}/GET': { rateLimit: 3 },
    });
  });

  it('removes throttle and quota, reports added stages, and leaves the input alone', () => {
    const current = plan();
    const { plan: next, addedStages } = applyUsagePlanPatch(current, [
      { op: 'remove', path: '/throttle' },
      { op: 'remove', path: '/quota' },
      { op: 'add', path: '/apiStages', value: 'a2:beta' },
    ]);
    expect(next.throttle).toBeUndefined();
    expect(next.quota).toBeUndefined();
    expect(addedStages).toEqual([{ apiId: 'a2', stage: 'beta' }]);
    expect(current).toEqual(plan());
  });

  it.each([
    [{ op: 'replace', path: '/apiStages/a1:prod/throttle/~1pets/GET/other', value: '1' }],
    [{ op: 'replace', path: '/apiStages/a9:prod/throttle/~1pets/GET/rateLimit', value: '1' }],
    [{ op: 'remove', path: '/apiStages/a1:prod/throttle/~1nothing/GET' }],
    [{ op: 'remove', path: '/apiStages', value: 'a1:beta' }],
    [{ op: 'add', path: '/apiStages', value: 'a1' }],
    [{ op: 'replace', path: '/throttle/burstLimit', value: '1.5' }],
    [{ op: 'replace', path: '/quota/limit', value: 'many' }],
    [{ op: 'replace', path: '/name', value: '' }],
    [{ op: 'add', path: '/name', value: 'x' }],
    [{ op: 'move', path: '/name', value: 'x' }],
  ])('refuses %j', (op) => {
    expect(() => applyUsagePlanPatch(plan(), [op])).toThrow(AwsBadRequestException);
  });
});

import type { UsagePlan } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import { checkUsagePlan } from './usage-plan.rules';

const plan = (extra: Partial<UsagePlan>): UsagePlan => ({
  id: 'p',
  name: 'p',
  apiStages: [],
  tags: {},
  ...extra,
});

describe('checkUsagePlan limits', () => {
  it('takes limits up to AWS 32-bit integers and rates a bucket can count', () => {
    expect(() =>
      checkUsagePlan(
        plan({
          throttle: { rateLimit: 0.001, burstLimit: 2 ** 31 - 1 },
          quota: { limit: 2 ** 31 - 1, offset: 5, period: 'DAY' },
        }),
      ),
    ).not.toThrow();
    expect(() => checkUsagePlan(plan({ throttle: { rateLimit: 0, burstLimit: 0 } }))).not.toThrow();
  });

  it.each([
    [
      'a quota limit past 32 bits',
      { quota: { limit: 1e20, period: 'DAY' as const } },
      /quota limit/,
    ],
    ['a burst past 32 bits', { throttle: { burstLimit: 2 ** 31 } }, /burstLimit/],
    ['a rate too small to refill', { throttle: { rateLimit: 1e-320 } }, /rateLimit/],
    ['a rate too large', { throttle: { rateLimit: 1e12 } }, /rateLimit/],
  ])('refuses %s', (_what, extra, message) => {
    expect(() => checkUsagePlan(plan(extra))).toThrow(AwsBadRequestException);
    expect(() => checkUsagePlan(plan(extra))).toThrow(message);
  });
});

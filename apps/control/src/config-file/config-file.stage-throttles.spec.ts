import type { MethodSetting } from '@portico/definitions';
import { DEFAULT_METHOD_SETTING } from '../stages/stage-patch';
import { withFileThrottles } from './config-file.stage-throttles';

const setting = (fields: Partial<MethodSetting>): MethodSetting => ({
  ...DEFAULT_METHOD_SETTING,
  ...fields,
});

describe('withFileThrottles', () => {
  it('sets the declared limits, AWS defaults for a limit left out', () => {
    expect(
      withFileThrottles(
        {},
        { '*/*': { rateLimit: 50, burstLimit: 100 }, '~1items/GET': { rateLimit: 5 } },
      ),
    ).toEqual({
      '*/*': setting({ throttlingRateLimit: 50, throttlingBurstLimit: 100 }),
      '~1items/GET': setting({ throttlingRateLimit: 5 }),
    });
  });

  it('keeps settings other than throttling that UpdateStage made', () => {
    const current = { '*/*': setting({ cachingEnabled: true, throttlingRateLimit: 1 }) };
    expect(withFileThrottles(current, { '*/*': { burstLimit: 9 } })).toEqual({
      '*/*': setting({ cachingEnabled: true, throttlingBurstLimit: 9 }),
    });
  });

  it('gives an undeclared key its default limits back, and drops it when nothing else is set', () => {
    const current = {
      '~1a/GET': setting({ throttlingRateLimit: 1 }),
      '~1b/GET': setting({ throttlingRateLimit: 1, metricsEnabled: true }),
    };
    expect(withFileThrottles(current, undefined)).toEqual({
      '~1b/GET': setting({ metricsEnabled: true }),
    });
  });

  it('leaves what it was given alone', () => {
    const current = { '*/*': setting({ throttlingRateLimit: 1 }) };
    withFileThrottles(current, { '*/*': { rateLimit: 2 } });
    expect(current['*/*'].throttlingRateLimit).toBe(1);
  });
});

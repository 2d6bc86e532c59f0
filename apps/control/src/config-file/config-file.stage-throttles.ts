import { isDeepStrictEqual } from 'node:util';
import type { MethodSetting, ThrottleSettings } from '@portico/definitions';
import { DEFAULT_METHOD_SETTING } from '../stages/stage-patch';

/**
 * A file stage's method settings with the file's throttling: a declared key gets its limits (a
 * limit left out is AWS's default), any other key its default limits back, and a key that is
 * then nothing but defaults goes. Settings other than throttling (caching, logging) stay as
 * UpdateStage left them: the file owns a stage's throttling, not the rest.
 */
export function withFileThrottles(
  current: Record<string, MethodSetting>,
  throttles: Record<string, ThrottleSettings> | undefined,
): Record<string, MethodSetting> {
  const next: Record<string, MethodSetting> = {};
  for (const [key, setting] of Object.entries(current)) {
    const reset = { ...setting, ...limits(undefined) };
    if (!isDeepStrictEqual(reset, DEFAULT_METHOD_SETTING)) next[key] = reset;
  }
  for (const [key, t] of Object.entries(throttles ?? {})) {
    next[key] = { ...(next[key] ?? DEFAULT_METHOD_SETTING), ...limits(t) };
  }
  return next;
}

function limits(
  t: ThrottleSettings | undefined,
): Pick<MethodSetting, 'throttlingRateLimit' | 'throttlingBurstLimit'> {
  return {
    throttlingRateLimit: t?.rateLimit ?? DEFAULT_METHOD_SETTING.throttlingRateLimit,
    throttlingBurstLimit: t?.burstLimit ?? DEFAULT_METHOD_SETTING.throttlingBurstLimit,
  };
}

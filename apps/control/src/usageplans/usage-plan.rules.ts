import type {
  QuotaSettings,
  ThrottleSettings,
  UsagePlan,
  UsagePlanApiStage,
} from '@portico/definitions';
import { apiStageKey } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';

export const QUOTA_PERIODS = ['DAY', 'WEEK', 'MONTH'] as const;
/** AWS's limits are 32-bit Integers; a larger one could not be counted exactly either. */
const MAX_INT = 2 ** 31 - 1;
/** Rates a bucket can be refilled at and its retry times still counted in milliseconds. */
const MIN_RATE = 1e-6;
const MAX_RATE = 1e9;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY', '*'];

/**
 * The checks AWS makes on a plan, whether it comes from CreateUsagePlan or is the result of
 * UpdateUsagePlan's operations: limits not negative, a quota with a period and a limit its
 * offset does not exceed, each API stage once, method throttles keyed `{resourcePath}/{httpMethod}`.
 */
export function checkUsagePlan(plan: UsagePlan): void {
  if (plan.throttle) checkThrottle(plan.throttle, 'throttle');
  if (plan.quota) checkQuota(plan.quota);
  const seen = new Set<string>();
  for (const stage of plan.apiStages) {
    const key = apiStageKey(stage);
    if (seen.has(key)) throw new AwsBadRequestException(`Duplicate API stage: ${key}`);
    seen.add(key);
    checkMethodThrottles(stage);
  }
}

function checkThrottle(t: ThrottleSettings, where: string): void {
  for (const [name, value] of Object.entries(t) as [string, number | undefined][]) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new AwsBadRequestException(
        `Invalid ${where}.${name}: ${value} (must be a non-negative number)`,
      );
    }
  }
  if (t.burstLimit !== undefined && !(Number.isInteger(t.burstLimit) && t.burstLimit <= MAX_INT)) {
    throw new AwsBadRequestException(
      `Invalid ${where}.burstLimit: must be an integer of at most ${MAX_INT}`,
    );
  }
  const rate = t.rateLimit;
  if (rate !== undefined && rate !== 0 && !(rate >= MIN_RATE && rate <= MAX_RATE)) {
    throw new AwsBadRequestException(
      `Invalid ${where}.rateLimit: ${rate} (0, or from ${MIN_RATE} to ${MAX_RATE} requests a second)`,
    );
  }
}

function checkQuota(q: QuotaSettings): void {
  if (q.period === undefined || !(QUOTA_PERIODS as readonly string[]).includes(q.period)) {
    throw new AwsBadRequestException(
      `Invalid quota period: ${String(q.period)} (expected one of ${QUOTA_PERIODS.join(', ')})`,
    );
  }
  if (q.limit === undefined || !Number.isInteger(q.limit) || q.limit < 0 || q.limit > MAX_INT) {
    throw new AwsBadRequestException(
      `Invalid quota limit: ${String(q.limit)} (must be an integer from 0 to ${MAX_INT})`,
    );
  }
  const offset = q.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > q.limit) {
    throw new AwsBadRequestException(
      `Invalid quota offset: ${offset} (must be an integer from 0 to the limit, ${q.limit})`,
    );
  }
}

function checkMethodThrottles(stage: UsagePlanApiStage): void {
  for (const [key, t] of Object.entries(stage.throttle ?? {})) {
    const slash = key.lastIndexOf('/');
    const path = key.slice(0, slash);
    const method = key.slice(slash + 1);
    if (slash < 0 || !path.startsWith('/') || !METHODS.includes(method)) {
      throw new AwsBadRequestException(
        `Invalid method throttle key '${key}' for ${apiStageKey(stage)}: ` +
          'expected {resourcePath}/{httpMethod}',
      );
    }
    checkThrottle(t, `apiStages[${apiStageKey(stage)}].throttle[${key}]`);
  }
}

/** A plan as AWS shapes it: without `quotaStartedAt`, which is Portico's own. */
export type UsagePlanShape = Omit<UsagePlan, 'quotaStartedAt'>;

export function planShape(plan: UsagePlan): UsagePlanShape {
  const { quotaStartedAt: _started, ...shape } = plan;
  return shape;
}

/**
 * Whether an update starts the quota afresh (its initial period, which the offset reduces, is
 * then the current one): the plan had no quota and gets one, or the quota's period changes.
 */
export function quotaRestarted(before: UsagePlan, after: UsagePlan): boolean {
  if (!after.quota) return false;
  return !before.quota || before.quota.period !== after.quota.period;
}

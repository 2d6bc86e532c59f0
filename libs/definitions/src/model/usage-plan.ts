/** A token bucket's settings: requests per second and the bucket's size. */
export interface ThrottleSettings {
  rateLimit?: number;
  burstLimit?: number;
}

export type QuotaPeriod = 'DAY' | 'WEEK' | 'MONTH';

/** How many requests a key may make per period; `offset` is taken off the first period's limit. */
export interface QuotaSettings {
  limit?: number;
  offset?: number;
  period?: QuotaPeriod;
}

/** An API stage a plan covers, with per-method throttles keyed `{resourcePath}/{httpMethod}`. */
export interface UsagePlanApiStage {
  apiId: string;
  stage: string;
  throttle?: Record<string, ThrottleSettings>;
}

/** A usage plan as AWS shapes it (control writes it, edges read it). */
export interface UsagePlan {
  id: string;
  name: string;
  description?: string;
  apiStages: UsagePlanApiStage[];
  throttle?: ThrottleSettings;
  quota?: QuotaSettings;
  productCode?: string;
  tags: Record<string, string>;
  /**
   * Epoch ms when the quota was set (at create, or when an update first gives the plan one):
   * its period is the initial one, whose limit the offset reduces. Not part of AWS's shape.
   */
  quotaStartedAt?: number;
}

/** An API key's membership of a plan (AWS's only key type is API_KEY). */
export interface UsagePlanKey {
  usagePlanId: string;
  keyId: string;
  type: 'API_KEY';
}

/** `apiId:stage`, as AWS names an API stage in patch paths and values. */
export function apiStageKey(s: { apiId: string; stage: string }): string {
  return `${s.apiId}:${s.stage}`;
}

/** One period of a plan's quota: when it starts and ends (epoch ms) and what it allows. */
export interface QuotaWindow {
  /** `YYYY-MM-DD` of the period's first day (UTC): names the period's counter. */
  id: string;
  start: number;
  endsAt: number;
  /** The plan's limit, less its offset when this is the quota's first period. */
  limit: number;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * The period of `quota` that holds `now`, in UTC as API Gateway counts them: a DAY from
 * midnight, a WEEK from Sunday midnight, a MONTH from the 1st. `offset` requests are taken off
 * the limit of the initial period: the one that holds `startedAt`, when the quota was set.
 */
export function quotaWindow(
  quota: { limit: number; period: QuotaPeriod; offset?: number },
  startedAt: number | undefined,
  now: number,
): QuotaWindow {
  const day = new Date(now);
  const y = day.getUTCFullYear();
  const m = day.getUTCMonth();
  const d = day.getUTCDate();
  let start: number;
  let endsAt: number;
  if (quota.period === 'MONTH') {
    start = Date.UTC(y, m, 1);
    endsAt = Date.UTC(y, m + 1, 1);
  } else if (quota.period === 'WEEK') {
    start = Date.UTC(y, m, d - day.getUTCDay());
    endsAt = start + 7 * DAY_MS;
  } else {
    start = Date.UTC(y, m, d);
    endsAt = start + DAY_MS;
  }
  const initial = startedAt !== undefined && startedAt >= start && startedAt < endsAt;
  const limit = Math.max(0, quota.limit - (initial ? (quota.offset ?? 0) : 0));
  return { id: utcDay(start), start, endsAt, limit };
}

/** `YYYY-MM-DD` of an instant, in UTC: how usage is recorded and reported per day. */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** The first instant after the UTC day that holds `at`. */
export function utcDayEnd(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS + DAY_MS;
}

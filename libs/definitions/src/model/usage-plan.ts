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

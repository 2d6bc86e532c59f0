import { createHash } from 'node:crypto';
import { type BucketRef, type QuotaRef, quotaKey, usageKey } from '@portico/contracts';
import {
  ALL_METHODS_SETTING_KEY,
  type MethodSetting,
  methodSettingTarget,
} from '@portico/definitions';
import type { StagePlan } from './usage-plan-index';

/** A rate and burst as a stage's method settings give them. */
export interface ThrottleLimit {
  ratePerSecond: number;
  burst: number;
}

/**
 * A stage's throttling, read once from its `methodSettings` when the stage is compiled: the
 * stage default (`*\/*`) and the overrides by `{resourcePath} {METHOD}` (METHOD as the method is
 * defined: `ANY` for an ANY method; `*` for every method of a resource). A limit is set when
 * both its rate and burst are (AWS shows -1, or leaves the fields out, for "not set").
 */
export interface StageThrottling {
  readonly stageDefault?: ThrottleLimit;
  readonly methods: ReadonlyMap<string, ThrottleLimit>;
}

export const NO_STAGE_THROTTLING: StageThrottling = { methods: new Map() };

/** The limit a method setting sets, or undefined when its throttling is not set. */
export function throttleLimitOf(
  setting: Partial<MethodSetting> | undefined,
): ThrottleLimit | undefined {
  const rate = setting?.throttlingRateLimit;
  const burst = setting?.throttlingBurstLimit;
  if (typeof rate !== 'number' || typeof burst !== 'number') return undefined;
  if (!Number.isFinite(rate) || !Number.isFinite(burst) || rate < 0 || burst < 0) return undefined;
  return { ratePerSecond: rate, burst };
}

export function compileStageThrottling(
  methodSettings: Record<string, Partial<MethodSetting>> | undefined,
): StageThrottling {
  let stageDefault: ThrottleLimit | undefined;
  const methods = new Map<string, ThrottleLimit>();
  for (const [key, setting] of Object.entries(methodSettings ?? {})) {
    const limit = throttleLimitOf(setting);
    if (!limit) continue;
    if (key === ALL_METHODS_SETTING_KEY) {
      stageDefault = limit;
      continue;
    }
    const target = methodSettingTarget(key);
    if (target) methods.set(`${target.resourcePath} ${target.httpMethod}`, limit);
  }
  if (!stageDefault && methods.size === 0) return NO_STAGE_THROTTLING;
  return { stageDefault, methods };
}

/** What a request is throttled by: the buckets, and the one string that names the set. */
export interface BucketSet {
  /** Unique per set of buckets: the leases of an edge are kept by it. */
  readonly id: string;
  readonly buckets: readonly BucketRef[];
  /** A usage plan's quota for the request's API key, in its current period. */
  readonly quotas?: readonly QuotaRef[];
  /** A bucket that can admit nothing (rate or burst 0): every request is refused. */
  readonly closed: boolean;
}

export interface BucketScope {
  apiId: string;
  stageName: string;
  resourcePath: string;
  /** The method as defined (`ANY` for an ANY method). */
  methodKey: string;
  /** The API key the request was admitted with, and the usage plan that holds it here. */
  apiKey?: { id: string; plan: StagePlan };
}

/**
 * The buckets of a request, as API Gateway layers them: the account's always; then the method's
 * own throttling when its settings set one (by `{resourcePath}/{METHOD}`, else
 * `{resourcePath}/*`), which overrides the stage default for that method; else the stage
 * default (`*\/*`) when set, one bucket shared by every method of the stage that has no
 * override. With an API key in a usage plan, also the plan's throttle for that key (shared by
 * every API stage of the plan), the plan's throttle of the method for that key when it sets one
 * (in addition, as on API Gateway), and the plan's quota for that key in its current period.
 */
export function bucketsFor(
  account: ThrottleLimit,
  throttling: StageThrottling,
  scope: BucketScope,
  now: number = Date.now(),
): BucketSet {
  const buckets: BucketRef[] = [{ key: 'account', ...account }];
  const stage = `${scope.apiId}/${scope.stageName}`;
  const own =
    throttling.methods.get(`${scope.resourcePath} ${scope.methodKey}`) ??
    throttling.methods.get(`${scope.resourcePath} *`);
  if (own) {
    buckets.push({
      key: boundedKey('method', stage, `${scope.resourcePath}/${scope.methodKey}`),
      ...own,
    });
  } else if (throttling.stageDefault) {
    buckets.push({ key: `stage:${stage}`, ...throttling.stageDefault });
  }
  let quota: QuotaRef | undefined;
  if (scope.apiKey) {
    quota = addPlanBuckets(buckets, scope.apiKey, now);
    const { id, plan } = scope.apiKey;
    const perMethod =
      plan.methods.get(`${scope.resourcePath} ${scope.methodKey}`) ??
      plan.methods.get(`${scope.resourcePath} *`);
    if (perMethod) {
      const tail = `${scope.resourcePath}/${scope.methodKey}`;
      buckets.push({
        key: boundedKey('planmethod', `${plan.planId}:${id}:${stage}`, tail),
        ...perMethod,
      });
    }
  }
  return bucketSetOf(buckets, quota);
}

/**
 * What a usage plan adds for the API key it holds, to any throttled thing (a REST request, a
 * WebSocket message): the plan's bucket for that key (`plan:{planId}:{keyId}`, shared by every
 * API stage of the plan), pushed onto `buckets`; and the key's quota in the period that holds
 * `now`, returned (with the day's usage record).
 */
export function addPlanBuckets(
  buckets: BucketRef[],
  apiKey: { id: string; plan: StagePlan },
  now: number,
): QuotaRef | undefined {
  const { id, plan } = apiKey;
  if (plan.throttle) buckets.push({ key: `plan:${plan.planId}:${id}`, ...plan.throttle });
  if (!plan.quota) return undefined;
  const window = plan.quota.windowAt(now);
  return {
    key: quotaKey(plan.planId, id, window.id),
    limit: window.limit,
    periodEndsAt: window.endsAt,
    usageKey: usageKey(plan.planId, id, plan.quota.dayAt(now)),
  };
}

/** Names a set of buckets (and quota) as ThrottleGate keeps leases: every key with its limits. */
export function bucketSetOf(buckets: readonly BucketRef[], quota?: QuotaRef): BucketSet {
  let id = buckets.map((b) => `${b.key}|${b.ratePerSecond}|${b.burst}`).join(' ');
  if (quota) id += ` ${quota.key}|${quota.usageKey}|${quota.limit}`;
  return {
    id,
    buckets,
    ...(quota ? { quotas: [quota] } : {}),
    closed: buckets.some((b) => b.ratePerSecond <= 0 || b.burst < 1),
  };
}

/** The service takes keys of at most this many characters. */
const MAX_KEY_LENGTH = 256;

/**
 * `{level}:{scopeKey}{tail}` — e.g. `method:{apiId}/{stage}{resourcePath}/{METHOD}` — or, when
 * that is too long for the service, `{level}:{scopeKey}#{sha256 of tail}`.
 */
export function boundedKey(level: string, scopeKey: string, tail: string): string {
  const key = `${level}:${scopeKey}${tail}`;
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `${level}:${scopeKey}#${createHash('sha256').update(tail).digest('hex')}`;
}

/**
 * The tokens an edge takes at once for a bucket set: `floor(min(rate, burst) × fraction)` of its
 * tightest bucket, at least 1, never above any burst. A lease of L tokens spent after the moment
 * it was taken lets a window see at most L more admissions than the bucket alone would (tokens
 * taken just before the window, spent in it); across E edges that is at most E × L per bucket
 * set, so `fraction` ≤ 0.01 / E keeps it within 1% of the rate per second.
 */
export function leaseSize(buckets: readonly BucketRef[], fraction: number): number {
  let tightest = Infinity;
  let maxCost = Infinity;
  for (const b of buckets) {
    tightest = Math.min(tightest, b.ratePerSecond, b.burst);
    maxCost = Math.min(maxCost, Math.floor(b.burst));
  }
  if (!Number.isFinite(tightest)) return 1;
  const size = Math.floor(tightest * fraction);
  return Math.max(1, Math.min(size, maxCost));
}

/** `Retry-After` in whole seconds, at least 1. */
export function retryAfterSeconds(retryAfterMs: number): number {
  if (!Number.isFinite(retryAfterMs) || retryAfterMs <= 1000) return 1;
  return Math.ceil(retryAfterMs / 1000);
}

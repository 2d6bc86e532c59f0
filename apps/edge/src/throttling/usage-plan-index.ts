import {
  type QuotaPeriod,
  quotaWindow,
  type QuotaWindow,
  type ThrottleSettings,
  type UsagePlan,
  utcDay,
  utcDayEnd,
} from '@portico/definitions';
import type { ThrottleLimit } from './throttle-plan';

/**
 * A plan's quota, with the period and the UTC day it is in (each worked out again when it ends,
 * not per request).
 */
export class PlanQuota {
  private window?: QuotaWindow;
  private day = '';
  private dayEndsAt = 0;
  private dayStart = 0;

  constructor(
    readonly quota: { limit: number; period: QuotaPeriod; offset?: number },
    readonly startedAt: number | undefined,
  ) {}

  windowAt(now: number): QuotaWindow {
    if (!this.window || now >= this.window.endsAt || now < this.window.start) {
      this.window = quotaWindow(this.quota, this.startedAt, now);
    }
    return this.window;
  }

  /** `YYYY-MM-DD` of `now` in UTC: the day its usage is recorded under. */
  dayAt(now: number): string {
    if (now >= this.dayEndsAt || now < this.dayStart) {
      this.day = utcDay(now);
      this.dayEndsAt = utcDayEnd(now);
      this.dayStart = this.dayEndsAt - 24 * 3600 * 1000;
    }
    return this.day;
  }
}

/** What a usage plan sets for the API keys it holds, on one of its API stages. */
export interface StagePlan {
  planId: string;
  /** The plan's throttle: one bucket per API key, shared by every API stage of the plan. */
  throttle?: ThrottleLimit;
  /** The plan's throttles of this stage's methods, per key, by `{resourcePath} {METHOD}`. */
  methods: ReadonlyMap<string, ThrottleLimit>;
  quota?: PlanQuota;
}

/**
 * A plan's throttle as a bucket: both limits set; a rate without a burst gets a burst of one
 * second's worth (at least 1). Without a rate the plan does not throttle.
 */
export function planLimitOf(t: ThrottleSettings | undefined): ThrottleLimit | undefined {
  const rate = t?.rateLimit;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) return undefined;
  const burst = t?.burstLimit;
  return {
    ratePerSecond: rate,
    burst:
      typeof burst === 'number' && Number.isFinite(burst) && burst >= 0
        ? burst
        : Math.max(1, Math.ceil(rate)),
  };
}

/**
 * Which plan holds an API key on an API stage, as edges look it up on every request with a key:
 * built once from every plan and its keys (UsagePlanStore.listWithKeys). Control lets a key be
 * in one plan per API stage; should two plans ever claim one, the first by plan id wins.
 */
export class UsagePlanIndex {
  static readonly EMPTY = new UsagePlanIndex([]);

  /** `{apiId}/{stage}` → API key id → what its plan sets there. */
  private readonly byStage = new Map<string, Map<string, StagePlan>>();
  /** Conflicting claims (a key in two plans of one API stage), to log. */
  readonly conflicts: string[] = [];

  constructor(entries: readonly { plan: UsagePlan; keyIds: readonly string[] }[]) {
    const sorted = [...entries].sort((a, b) => (a.plan.id < b.plan.id ? -1 : 1));
    for (const { plan, keyIds } of sorted) {
      const throttle = planLimitOf(plan.throttle);
      const quota =
        plan.quota?.limit !== undefined && plan.quota.period !== undefined
          ? new PlanQuota(
              { limit: plan.quota.limit, period: plan.quota.period, offset: plan.quota.offset },
              plan.quotaStartedAt,
            )
          : undefined;
      for (const apiStage of plan.apiStages ?? []) {
        const stagePlan: StagePlan = {
          planId: plan.id,
          throttle,
          methods: methodLimits(apiStage.throttle),
          quota,
        };
        const stageKey = `${apiStage.apiId}/${apiStage.stage}`;
        let keys = this.byStage.get(stageKey);
        if (!keys) this.byStage.set(stageKey, (keys = new Map()));
        for (const keyId of keyIds) {
          const claimed = keys.get(keyId);
          if (claimed) {
            this.conflicts.push(`${keyId} on ${stageKey}: ${claimed.planId}, ${plan.id}`);
            continue;
          }
          keys.set(keyId, stagePlan);
        }
      }
    }
  }

  planFor(apiId: string, stageName: string, keyId: string): StagePlan | undefined {
    return this.byStage.get(`${apiId}/${stageName}`)?.get(keyId);
  }
}

/** `{resourcePath}/{httpMethod}` keys as `{resourcePath} {METHOD}`, as stage throttling has them. */
function methodLimits(
  throttle: Record<string, ThrottleSettings> | undefined,
): ReadonlyMap<string, ThrottleLimit> {
  const methods = new Map<string, ThrottleLimit>();
  for (const [key, settings] of Object.entries(throttle ?? {})) {
    const slash = key.lastIndexOf('/');
    const limit = planLimitOf(settings);
    if (slash < 0 || !limit) continue;
    methods.set(`${key.slice(0, slash) || '/'} ${key.slice(slash + 1).toUpperCase()}`, limit);
  }
  return methods;
}

import type { PorticoError } from '../common/errors';

/**
 * Throttling and quotas, decided by the ratelimit service (queue group `portico-ratelimit`)
 * with its state in Redis. An edge names every token bucket and quota that applies to a request
 * (the account, the stage, the method, a usage plan's key…) in one request; the service takes
 * `cost` tokens from all of them, or from none, in one atomic step — a request refused at one
 * level consumes nothing at the others. `cost` above 1 lets an edge take a small allotment of
 * tokens at once and spend it locally.
 */
export const RATELIMIT_QUEUE_GROUP = 'portico-ratelimit' as const;

/** Edge → ratelimit, request-reply: take tokens. Reply: ConsumeReply. */
export const RATELIMIT_CONSUME = 'portico.ratelimit.bucket.consume.v1' as const;

/** A token bucket: refills at `ratePerSecond`, holds at most `burst` tokens. */
export interface BucketRef {
  /** Unique per level and scope, e.g. `account`, `stage:{apiId}/{stage}`, `method:{apiId}/{stage}/{resourcePath}/{METHOD}`. */
  key: string;
  /** Tokens per second (may be fractional, e.g. 0.5); > 0. */
  ratePerSecond: number;
  /** Bucket size; >= 1 (a request costing more than `burst` can never pass). */
  burst: number;
}

/**
 * A usage plan quota in its current period: at most `limit` requests until `periodEndsAt`.
 * The caller works out the period (DAY, WEEK or MONTH, as the plan says) and names it in `key`,
 * so a new period is a new counter; the service counts and expires it.
 */
export interface QuotaRef {
  /** e.g. `quota:{usagePlanId}:{apiKeyId}:{periodStart}`. */
  key: string;
  /** Requests allowed in this period (the plan's limit, less its offset in the first period). */
  limit: number;
  /** Epoch milliseconds: when the period ends and the counter goes. */
  periodEndsAt: number;
  /**
   * The day's usage record of the plan's key (`usageKey(…)`), kept for GetUsage: an admitted
   * request adds `cost` to its `used` and sets its `remaining` to what the quota has left.
   */
  usageKey?: string;
}

export interface ConsumeRequest {
  buckets: BucketRef[];
  quotas?: QuotaRef[];
  /** Tokens to take from every bucket and quota; default 1. */
  cost?: number;
}

/**
 * Edge → ratelimit, event (queue group): quota units an edge took in a lease and did not spend,
 * given back so the quota and the day's usage count only what was admitted. Takes off at most
 * what the counters hold, and nothing from a counter that has expired.
 */
export const RATELIMIT_REFUND = 'portico.ratelimit.quota.refund.v1' as const;

export interface RefundEvent {
  /** The quotas as the lease named them (with their usage keys and limits). */
  quotas: QuotaRef[];
  /** Units to give back to each. */
  cost: number;
}

/** `quota:{usagePlanId}:{apiKeyId}:{period's first day}`: one counter per key and period. */
export function quotaKey(usagePlanId: string, apiKeyId: string, periodId: string): string {
  return `quota:${usagePlanId}:${apiKeyId}:${periodId}`;
}

/** `usage:{usagePlanId}:{apiKeyId}:{YYYY-MM-DD}`: a key's usage record of one UTC day. */
export function usageKey(usagePlanId: string, apiKeyId: string, day: string): string {
  return `usage:${usagePlanId}:${apiKeyId}:${day}`;
}

export type ConsumeReply =
  | {
      ok: true;
      allowed: true;
      /** The fewest tokens any bucket holds afterwards (rounded down). */
      remaining: number;
      /** Per quota key: what is left of the period. */
      quotaRemaining?: Record<string, number>;
    }
  | {
      ok: true;
      allowed: false;
      /** What refused: a bucket (429 Too Many Requests) or a quota (429 Limit Exceeded). */
      refusedBy: 'throttle' | 'quota';
      /** The key that refused. */
      key: string;
      /** When the request could pass: until the bucket holds `cost`, or the quota period ends. */
      retryAfterMs: number;
    }
  | { ok: false; error: PorticoError };

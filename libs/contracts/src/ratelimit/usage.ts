import type { PorticoError } from '../common/errors';
import type { QuotaRef } from './consume';

/**
 * Control → ratelimit, request-reply: the recorded usage of a plan's keys, per UTC day, for
 * GetUsage. Reply: UsageGetReply.
 */
export const RATELIMIT_USAGE_GET = 'portico.ratelimit.usage.get.v1' as const;

export interface UsageGetRequest {
  usagePlanId: string;
  keyIds: string[];
  /** `YYYY-MM-DD` days, in order. */
  days: string[];
}

/** One key's usage on one day: requests admitted, and what its quota had left at the last one. */
export interface UsageDay {
  used: number;
  remaining: number;
}

export type UsageGetReply =
  /** Per key id, one entry per requested day: null where nothing was recorded that day. */
  { ok: true; usage: Record<string, (UsageDay | null)[]> } | { ok: false; error: PorticoError };

/**
 * Control → ratelimit, request-reply: UpdateUsage — sets what a key's quota has left in the
 * current period (extending or resetting it). Reply: UsageUpdateReply.
 */
export const RATELIMIT_USAGE_UPDATE = 'portico.ratelimit.usage.update.v1' as const;

export interface UsageUpdateRequest {
  /** The key's quota in the current period, as an edge names it (with today's usageKey). */
  quota: QuotaRef;
  /** What it should have left: its counter becomes `quota.limit - remaining` (may go below 0). */
  remaining: number;
}

export type UsageUpdateReply = { ok: true; remaining: number } | { ok: false; error: PorticoError };

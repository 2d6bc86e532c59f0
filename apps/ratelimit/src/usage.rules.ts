import type {
  QuotaRef,
  RefundEvent,
  UsageGetRequest,
  UsageUpdateRequest,
} from '@portico/contracts';
import { MalformedMessage } from '@portico/platform';
import { checkKey, checkQuota, MAX_REFS, noRepeatedRecords, object } from './consume.rules';

/**
 * Most days one usage read may name: a 90-day GetUsage report plus the earlier days of its
 * first quota period (up to 30, for a MONTH), which carry what the quota had left.
 */
export const MAX_USAGE_DAYS = 128;
/** Most keys one usage read may name. */
export const MAX_USAGE_KEYS = 1000;
/** Most records (keys × days) one usage read may name: one pipeline, bounded by the Redis timeout. */
export const MAX_USAGE_RECORDS = 5000;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A refund checked: its quotas, and the units to give back to each. */
export function checkRefund(event: RefundEvent): RefundEvent {
  const body = event as unknown as Record<string, unknown>;
  if (!Array.isArray(body.quotas) || body.quotas.length === 0) {
    throw new MalformedMessage('quotas must be a non-empty array');
  }
  if (body.quotas.length > MAX_REFS) {
    throw new MalformedMessage(`at most ${MAX_REFS} quotas, not ${body.quotas.length}`);
  }
  if (!Number.isSafeInteger(body.cost) || (body.cost as number) < 1) {
    throw new MalformedMessage('cost must be an integer of at least 1');
  }
  // A period already over is no error: its counter is gone and nothing is refunded.
  const quotas = (body.quotas as unknown[]).map((q, i) => checkQuota(q, `quotas[${i}]`, 0));
  noRepeatedRecords(quotas);
  return { quotas, cost: body.cost as number };
}

/** A usage read checked: a plan id, its key ids and `YYYY-MM-DD` days, within the bounds. */
export function checkUsageGet(req: UsageGetRequest): UsageGetRequest {
  const body = req as unknown as Record<string, unknown>;
  const usagePlanId = checkKey(body.usagePlanId, 'usagePlanId');
  if (!Array.isArray(body.keyIds) || body.keyIds.length > MAX_USAGE_KEYS) {
    throw new MalformedMessage(`keyIds must be an array of at most ${MAX_USAGE_KEYS} key ids`);
  }
  if (!Array.isArray(body.days) || body.days.length > MAX_USAGE_DAYS) {
    throw new MalformedMessage(`days must be an array of at most ${MAX_USAGE_DAYS} days`);
  }
  if (body.keyIds.length * body.days.length > MAX_USAGE_RECORDS) {
    throw new MalformedMessage(
      `at most ${MAX_USAGE_RECORDS} records (keys × days) a read, not ${body.keyIds.length * body.days.length}`,
    );
  }
  const keyIds = (body.keyIds as unknown[]).map((k, i) => checkKey(k, `keyIds[${i}]`));
  const days = (body.days as unknown[]).map((d, i) => {
    if (typeof d !== 'string' || !DAY.test(d)) {
      throw new MalformedMessage(`days[${i}] must be a YYYY-MM-DD day`);
    }
    return d;
  });
  return { usagePlanId, keyIds, days };
}

/** An UpdateUsage checked: a quota in a current period, and a whole number of requests left. */
export function checkUsageUpdate(
  req: UsageUpdateRequest,
  now: number = Date.now(),
): { quota: QuotaRef; remaining: number } {
  const body = object(req, 'the request');
  const quota = checkQuota(body.quota, 'quota', now);
  const { remaining } = body;
  if (!Number.isSafeInteger(remaining) || (remaining as number) < 0) {
    throw new MalformedMessage('remaining must be an integer of at least 0');
  }
  return { quota, remaining: remaining as number };
}

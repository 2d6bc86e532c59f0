import type { BucketRef, ConsumeRequest, QuotaRef } from '@portico/contracts';
import { MalformedMessage } from '@portico/platform';

/** Most buckets, and most quotas, one decision may name. */
export const MAX_REFS = 16;
/** Longest bucket or quota key, in characters. */
export const MAX_KEY_LENGTH = 256;

/**
 * How long after its period ended a quota may still be named. An edge works out the period when
 * a request arrives, and the decision can reach a replica after the boundary (a queued decision,
 * clocks a little apart); such a request counts against a counter that expires at once. Beyond
 * this the edge's clock is wrong: BadRequest.
 */
export const PERIOD_GRACE_MS = 5 * 60 * 1000;

/** A request checked and completed: `cost` set, `quotas` always present. */
export interface Decision {
  buckets: BucketRef[];
  quotas: QuotaRef[];
  cost: number;
}

/**
 * Checks a ConsumeRequest; MalformedMessage (answered BadRequest, logged as a warning) names the
 * first thing wrong. `now` is this replica's clock, only to tell a quota period already over.
 */
export function checkConsume(req: ConsumeRequest, now: number = Date.now()): Decision {
  const body = req as unknown as Record<string, unknown>;
  if (!Array.isArray(body.buckets)) throw new MalformedMessage('buckets must be an array');
  if (body.quotas !== undefined && !Array.isArray(body.quotas)) {
    throw new MalformedMessage('quotas must be an array when given');
  }
  const buckets = body.buckets as unknown[];
  const quotas = (body.quotas ?? []) as unknown[];
  if (buckets.length === 0 && quotas.length === 0) {
    throw new MalformedMessage('name at least one bucket or quota');
  }
  if (buckets.length > MAX_REFS) {
    throw new MalformedMessage(`at most ${MAX_REFS} buckets, not ${buckets.length}`);
  }
  if (quotas.length > MAX_REFS) {
    throw new MalformedMessage(`at most ${MAX_REFS} quotas, not ${quotas.length}`);
  }
  const cost = body.cost ?? 1;
  if (!Number.isSafeInteger(cost) || (cost as number) < 1) {
    throw new MalformedMessage('cost must be an integer of at least 1');
  }
  const checked: Decision = {
    buckets: buckets.map((ref, i) => checkBucket(ref, i, cost as number)),
    quotas: quotas.map((ref, i) => checkQuota(ref, `quotas[${i}]`, now - PERIOD_GRACE_MS)),
    cost: cost as number,
  };
  noRepeats('bucket', checked.buckets);
  noRepeats('quota', checked.quotas);
  noRepeatedRecords(checked.quotas);
  return checked;
}

function checkBucket(value: unknown, i: number, cost: number): BucketRef {
  const ref = object(value, `buckets[${i}]`);
  const key = checkKey(ref.key, `buckets[${i}].key`);
  const { ratePerSecond, burst } = ref;
  if (typeof ratePerSecond !== 'number' || !Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
    throw new MalformedMessage(`bucket ${key}: ratePerSecond must be a number above 0`);
  }
  if (typeof burst !== 'number' || !Number.isFinite(burst) || burst < 1) {
    throw new MalformedMessage(`bucket ${key}: burst must be a number of at least 1`);
  }
  if (cost > burst) {
    throw new MalformedMessage(`bucket ${key}: cost ${cost} exceeds its burst ${burst}`);
  }
  return { key, ratePerSecond, burst };
}

/**
 * A quota as a ConsumeRequest (or UpdateUsage) names it. `now` is the earliest its period may
 * end: a refund passes 0, since a period that is over just has nothing left to refund.
 */
export function checkQuota(value: unknown, what: string, now: number): QuotaRef {
  const ref = object(value, what);
  const key = checkKey(ref.key, `${what}.key`);
  const { limit, periodEndsAt, usageKey } = ref;
  if (!Number.isSafeInteger(limit) || (limit as number) < 0) {
    throw new MalformedMessage(`quota ${key}: limit must be an integer of at least 0`);
  }
  if (!Number.isSafeInteger(periodEndsAt) || (periodEndsAt as number) <= now) {
    throw new MalformedMessage(
      `quota ${key}: periodEndsAt must be epoch milliseconds (an integer) in the future`,
    );
  }
  const checked: QuotaRef = { key, limit: limit as number, periodEndsAt: periodEndsAt as number };
  if (usageKey !== undefined) {
    checked.usageKey = checkKey(usageKey, `quota ${key}: usageKey`);
    // Only a usage record: the script writes it, so it must not name a bucket or a counter.
    if (!checked.usageKey.startsWith('usage:')) {
      throw new MalformedMessage(`quota ${key}: usageKey must start with usage:`);
    }
  }
  return checked;
}

export function object(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MalformedMessage(`${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

/** A key the service stores under its prefix: 1 to MAX_KEY_LENGTH characters. */
export function checkKey(key: unknown, what: string): string {
  if (typeof key !== 'string' || key.length < 1 || key.length > MAX_KEY_LENGTH) {
    throw new MalformedMessage(`${what} must be a string of 1 to ${MAX_KEY_LENGTH} characters`);
  }
  return key;
}

/** Two quotas writing one usage record would count each request there twice. */
export function noRepeatedRecords(quotas: QuotaRef[]): void {
  noRepeats(
    'usage record',
    quotas.flatMap((q) => (q.usageKey === undefined ? [] : [{ key: q.usageKey }])),
  );
}

/** The same key twice would be checked twice against one state and charged once. */
function noRepeats(kind: string, refs: { key: string }[]): void {
  const seen = new Set<string>();
  for (const { key } of refs) {
    if (seen.has(key)) throw new MalformedMessage(`${kind} ${key} is named twice`);
    seen.add(key);
  }
}

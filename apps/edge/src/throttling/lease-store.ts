import type { BucketRef, ConsumeReply } from '@portico/contracts';
import type { Failure } from '@portico/platform';
import { leaseSize } from './throttle-plan';

/** What a throttle check comes to. */
export type ThrottleOutcome =
  | { kind: 'admitted' }
  | { kind: 'refused'; retryAfterMs: number }
  | { kind: 'unavailable'; message: string };

/** Asks the ratelimit service for `cost` tokens from every bucket. */
export type ConsumeFn = (
  buckets: readonly BucketRef[],
  cost: number,
) => Promise<ConsumeReply | Failure>;

const ADMITTED: ThrottleOutcome = { kind: 'admitted' };

interface Lease {
  tokens: number;
  expiresAt: number;
  /** Refused by the service: refused here too until then, without asking. */
  refusedUntil: number;
  /** Takes under way on this set that have no token yet. */
  demand: number;
  /** The one request for tokens under way; concurrent requests wait for it (single flight). */
  pending?: Promise<ThrottleOutcome>;
}

export interface LeaseOptions {
  fraction: number;
  ttlMs: number;
  /**
   * After the service could not decide, every set answers "unavailable" at once for this long
   * without asking again: an outage costs one NATS request per interval, not one per request.
   */
  retryUnavailableMs?: number;
  /** Leases kept at most; beyond it the oldest set's lease is dropped (it under-admits only). */
  maxSets?: number;
  now?: () => number;
}

/**
 * An edge's leases, one per bucket set: a small allotment of tokens taken from the ratelimit
 * service at once (`cost` = the lease size) and spent locally, so a warm request makes no NATS
 * round trip. Tokens not spent within `ttlMs` are dropped — never returned, so an edge can only
 * admit fewer than the buckets allow, never more. When the service refuses a whole lease, one
 * token is asked for (the bucket may still hold fewer than a lease); when it refuses that too,
 * the set is refused locally until the service's `retryAfterMs`.
 */
export class LeaseStore {
  private readonly leases = new Map<string, Lease>();
  private readonly now: () => number;
  private readonly maxSets: number;
  /** Until then the service is taken to be unavailable, for `unavailable`'s reason. */
  private unavailableUntil = 0;
  private unavailable: ThrottleOutcome = { kind: 'unavailable', message: '' };

  constructor(
    private readonly consume: ConsumeFn,
    private readonly options: LeaseOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.maxSets = options.maxSets ?? 100_000;
  }

  /** Takes one token for the set; never throws (the consume function must not either). */
  async take(setId: string, buckets: readonly BucketRef[]): Promise<ThrottleOutcome> {
    const lease = this.leaseOf(setId);
    lease.demand++;
    let outcome: ThrottleOutcome;
    try {
      outcome = await this.takeFrom(lease, buckets);
    } catch (err) {
      lease.demand--;
      throw err;
    }
    return outcome;
  }

  /** Loops until the take has a token or an answer; leaves `demand` as soon as it has. */
  private async takeFrom(lease: Lease, buckets: readonly BucketRef[]): Promise<ThrottleOutcome> {
    for (;;) {
      const now = this.now();
      if (this.unavailableUntil > now && !(lease.tokens > 0 && now < lease.expiresAt)) {
        lease.demand--;
        return this.unavailable;
      }
      if (lease.refusedUntil > now) {
        lease.demand--;
        return { kind: 'refused', retryAfterMs: lease.refusedUntil - now };
      }
      if (lease.tokens > 0 && now < lease.expiresAt) {
        lease.tokens--;
        lease.demand--;
        return ADMITTED;
      }
      if (lease.pending) {
        const outcome = await lease.pending;
        if (outcome.kind !== 'admitted') {
          lease.demand--;
          return outcome;
        }
        continue;
      }
      lease.pending = this.refill(lease, buckets).finally(() => {
        lease.pending = undefined;
      });
    }
  }

  /** Leases held, for tests and metrics. */
  get size(): number {
    return this.leases.size;
  }

  clear(): void {
    this.leases.clear();
  }

  private leaseOf(setId: string): Lease {
    let lease = this.leases.get(setId);
    if (lease) return lease;
    if (this.leases.size >= this.maxSets) {
      const oldest = this.leases.keys().next().value;
      if (oldest !== undefined) this.leases.delete(oldest);
    }
    lease = { tokens: 0, expiresAt: 0, refusedUntil: 0, demand: 0 };
    this.leases.set(setId, lease);
    return lease;
  }

  /**
   * Asks for a lease — or, when more takes are waiting than a lease holds, for one token each
   * (spent at once, so no more outlive the request than a lease would). Refused, it asks for
   * what the refusing bucket still holds, as its retry time tells, then for one token.
   * 'admitted' means tokens were added.
   */
  private async refill(lease: Lease, buckets: readonly BucketRef[]): Promise<ThrottleOutcome> {
    const maxCost = maxLeaseCost(buckets);
    const wanted = Math.min(
      maxCost,
      Math.max(leaseSize(buckets, this.options.fraction), lease.demand),
    );
    let got = wanted;
    let reply = await this.consume(buckets, got);
    if (reply.ok && !reply.allowed && got > 1) {
      const fits = tokensLeft(buckets, got, reply.key, reply.retryAfterMs);
      if (fits > 1 && fits < got) {
        got = fits;
        reply = await this.consume(buckets, got);
      }
      if (reply.ok && !reply.allowed && got > 1) {
        got = 1;
        reply = await this.consume(buckets, got);
      }
    }
    if (!reply.ok) {
      this.unavailable = { kind: 'unavailable', message: reply.error.message };
      this.unavailableUntil = this.now() + (this.options.retryUnavailableMs ?? 0);
      return this.unavailable;
    }
    const now = this.now();
    if (!reply.allowed) {
      const retryAfterMs = Math.max(0, reply.retryAfterMs);
      lease.tokens = 0;
      lease.refusedUntil = now + retryAfterMs;
      return { kind: 'refused', retryAfterMs };
    }
    lease.tokens = got;
    lease.expiresAt = now + this.options.ttlMs;
    return ADMITTED;
  }
}

/** The most a request may take at once: the smallest burst (whole tokens). */
function maxLeaseCost(buckets: readonly BucketRef[]): number {
  return Math.max(1, Math.min(...buckets.map((b) => Math.floor(b.burst))));
}

/**
 * A lower bound on the tokens the refusing bucket holds: the service answers the time until it
 * holds `cost`, `ceil((cost − tokens) / rate)` seconds in milliseconds.
 */
export function tokensLeft(
  buckets: readonly BucketRef[],
  cost: number,
  key: string,
  retryAfterMs: number,
): number {
  const bucket = buckets.find((b) => b.key === key);
  if (!bucket) return 0;
  return Math.max(0, Math.floor(cost - (retryAfterMs * bucket.ratePerSecond) / 1000));
}

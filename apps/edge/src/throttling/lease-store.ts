import type { BucketRef, ConsumeReply, QuotaRef } from '@portico/contracts';
import type { Failure } from '@portico/platform';
import { leaseSize } from './throttle-plan';

/** What a throttle check comes to. */
export type ThrottleOutcome =
  | { kind: 'admitted' }
  | { kind: 'refused'; refusedBy: 'throttle' | 'quota'; retryAfterMs: number }
  | { kind: 'unavailable'; message: string };

/** Asks the ratelimit service for `cost` tokens from every bucket and units of every quota. */
export type ConsumeFn = (
  buckets: readonly BucketRef[],
  cost: number,
  quotas?: readonly QuotaRef[],
) => Promise<ConsumeReply | Failure>;

/** Gives quota units taken in a lease and not spent back to the service; never throws. */
export type RefundFn = (quotas: readonly QuotaRef[], cost: number) => void;

const ADMITTED: ThrottleOutcome = { kind: 'admitted' };

interface Lease {
  tokens: number;
  expiresAt: number;
  /** Refused by the service: refused here too until then, without asking. */
  refusedUntil: number;
  /** What the last refusal was by, and when it said the request could pass (epoch ms). */
  refusedBy: 'throttle' | 'quota';
  retryAt: number;
  /** The quotas the tokens held were counted against: what is left unspent is given back. */
  quotas?: readonly QuotaRef[];
  /** What the tightest quota had left when the lease was taken (Infinity without quotas). */
  quotaRemaining: number;
  /** The fewest tokens a bucket held when the lease was taken. */
  bucketRemaining: number;
  /** Changes with every lease taken: a refund timer of an older lease does nothing. */
  grant: number;
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
  /** Where unspent quota units go back; without it they are dropped (the quota under-admits). */
  refund?: RefundFn;
  now?: () => number;
}

/**
 * An edge's leases, one per bucket set: a small allotment of tokens taken from the ratelimit
 * service at once (`cost` = the lease size) and spent locally, so a warm request makes no NATS
 * round trip. Tokens not spent within `ttlMs` are dropped — never returned, so an edge can only
 * admit fewer than the buckets allow, never more. When the service refuses a whole lease, one
 * token is asked for (the bucket may still hold fewer than a lease); when it refuses that too,
 * the set is refused locally until the service's `retryAfterMs`.
 *
 * A set with quotas (a usage plan's) leases quota units with its tokens, and gives the unspent
 * ones back when the lease ends (`refund`), so a quota and the day's usage count what was
 * admitted, not what was leased. Its leases shrink as the quota runs out (a fraction of what is
 * left, down to single units), so the last units of a quota are never held by another edge; and
 * a quota refusal is kept locally for at most `ttlMs`, the longest another edge may hold units it
 * will give back.
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
  async take(
    setId: string,
    buckets: readonly BucketRef[],
    quotas?: readonly QuotaRef[],
  ): Promise<ThrottleOutcome> {
    const lease = this.leaseOf(setId);
    lease.demand++;
    let outcome: ThrottleOutcome;
    try {
      outcome = await this.takeFrom(lease, buckets, quotas);
    } catch (err) {
      lease.demand--;
      throw err;
    }
    return outcome;
  }

  /**
   * What the set's tightest bucket and its quota have left, as this edge last heard from the
   * service, with what it holds unspent (other edges' spending since is not seen); a field is
   * undefined when not known (not yet leased; no quota).
   */
  remaining(setId: string): { tokens?: number; quota?: number } {
    const lease = this.leases.get(setId);
    if (!lease || lease.grant === 0) return {};
    const tokens = lease.bucketRemaining + lease.tokens;
    if (!lease.quotas || !Number.isFinite(lease.quotaRemaining)) return { tokens };
    return { tokens, quota: lease.quotaRemaining + lease.tokens };
  }

  /** Loops until the take has a token or an answer; leaves `demand` as soon as it has. */
  private async takeFrom(
    lease: Lease,
    buckets: readonly BucketRef[],
    quotas: readonly QuotaRef[] | undefined,
  ): Promise<ThrottleOutcome> {
    for (;;) {
      const now = this.now();
      if (this.unavailableUntil > now && !(lease.tokens > 0 && now < lease.expiresAt)) {
        lease.demand--;
        return this.unavailable;
      }
      if (lease.refusedUntil > now) {
        lease.demand--;
        return {
          kind: 'refused',
          refusedBy: lease.refusedBy,
          retryAfterMs: Math.max(0, lease.retryAt - now),
        };
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
      lease.pending = this.refill(lease, buckets, quotas).finally(() => {
        lease.pending = undefined;
      });
    }
  }

  /** Leases held, for tests and metrics. */
  get size(): number {
    return this.leases.size;
  }

  /** Drops every lease, giving unspent quota units back. */
  clear(): void {
    for (const lease of this.leases.values()) this.giveBack(lease);
    this.leases.clear();
  }

  private leaseOf(setId: string): Lease {
    let lease = this.leases.get(setId);
    if (lease) return lease;
    if (this.leases.size >= this.maxSets) this.sweep();
    if (this.leases.size >= this.maxSets) {
      const oldest = this.leases.entries().next().value;
      if (oldest !== undefined) {
        this.giveBack(oldest[1]);
        this.leases.delete(oldest[0]);
      }
    }
    lease = {
      tokens: 0,
      expiresAt: 0,
      refusedUntil: 0,
      refusedBy: 'throttle',
      retryAt: 0,
      quotaRemaining: Infinity,
      bucketRemaining: 0,
      grant: 0,
      demand: 0,
    };
    this.leases.set(setId, lease);
    return lease;
  }

  /**
   * Drops every lease nothing is using: expired, no decision under way, no take waiting, not
   * refused for longer. (Sets come and go — a quota's set changes every day — so without this
   * the map would fill to `maxSets` and evict live sets.)
   */
  private sweep(): void {
    const now = this.now();
    for (const [id, lease] of this.leases) {
      if (
        lease.expiresAt <= now &&
        !lease.pending &&
        lease.demand === 0 &&
        lease.refusedUntil <= now
      ) {
        this.giveBack(lease);
        this.leases.delete(id);
      }
    }
  }

  /** Ends the lease: its unspent quota units go back to the service. */
  private giveBack(lease: Lease): void {
    lease.grant++;
    const unspent = lease.tokens;
    lease.tokens = 0;
    if (unspent > 0 && lease.quotas?.length) this.options.refund?.(lease.quotas, unspent);
  }

  /**
   * Asks for a lease — or, when more takes are waiting than a lease holds, for one token each
   * (spent at once, so no more outlive the request than a lease would). Refused, it asks for
   * what the refusing bucket still holds, as its retry time tells, then for one token.
   * 'admitted' means tokens were added.
   */
  private async refill(
    lease: Lease,
    buckets: readonly BucketRef[],
    quotas: readonly QuotaRef[] | undefined,
  ): Promise<ThrottleOutcome> {
    this.giveBack(lease);
    const maxCost = maxLeaseCost(buckets);
    const size = Math.min(
      leaseSize(buckets, this.options.fraction),
      quotaLeaseCap(quotas, lease.quotaRemaining, this.options.fraction),
    );
    const wanted = Math.min(maxCost, Math.max(size, lease.demand));
    let got = wanted;
    let reply = await this.consume(buckets, got, quotas);
    if (reply.ok && !reply.allowed && got > 1) {
      const fits = tokensLeft(buckets, got, reply.key, reply.retryAfterMs);
      if (fits > 1 && fits < got) {
        got = fits;
        reply = await this.consume(buckets, got, quotas);
      }
      if (reply.ok && !reply.allowed && got > 1) {
        got = 1;
        reply = await this.consume(buckets, got, quotas);
      }
    }
    if (!reply.ok) {
      const outcome: ThrottleOutcome = { kind: 'unavailable', message: reply.error.message };
      // Only the service (or NATS, or Redis) being away holds every set back for a while; a
      // request the service refused as malformed says nothing of the others.
      if (reply.error.code === 'Unavailable') {
        this.unavailable = outcome;
        this.unavailableUntil = this.now() + (this.options.retryUnavailableMs ?? 0);
      }
      return outcome;
    }
    const now = this.now();
    if (!reply.allowed) {
      const retryAfterMs = Math.max(0, reply.retryAfterMs);
      lease.refusedBy = reply.refusedBy;
      lease.retryAt = now + retryAfterMs;
      // Units another edge holds come back within a lease's lifetime: ask again by then.
      lease.refusedUntil =
        now +
        (reply.refusedBy === 'quota' ? Math.min(retryAfterMs, this.options.ttlMs) : retryAfterMs);
      if (reply.refusedBy === 'quota') lease.quotaRemaining = 0;
      return { kind: 'refused', refusedBy: reply.refusedBy, retryAfterMs };
    }
    lease.tokens = got;
    lease.expiresAt = now + this.options.ttlMs;
    lease.bucketRemaining = reply.remaining;
    if (quotas?.length) {
      lease.quotas = quotas;
      lease.quotaRemaining = Math.min(...Object.values(reply.quotaRemaining ?? {}), Infinity);
      this.scheduleGiveBack(lease);
    }
    return ADMITTED;
  }

  /** Gives back what the lease has not spent when it ends (not, if a newer lease replaced it). */
  private scheduleGiveBack(lease: Lease): void {
    const grant = lease.grant;
    setTimeout(() => {
      if (lease.grant === grant) this.giveBack(lease);
    }, this.options.ttlMs).unref();
  }
}

/**
 * The most units of a quota a lease may take: `fraction` of what the tightest quota had left
 * (of its limit, before the first lease), at least 1 — a quota's last units go one at a time.
 */
export function quotaLeaseCap(
  quotas: readonly QuotaRef[] | undefined,
  lastRemaining: number,
  fraction: number,
): number {
  if (!quotas?.length) return Infinity;
  const left = Math.min(lastRemaining, ...quotas.map((q) => q.limit));
  return Math.max(1, Math.floor(left * fraction));
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

import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import {
  type BucketRef,
  type ConsumeReply,
  type ConsumeRequest,
  type QuotaRef,
  RATELIMIT_CONSUME,
  RATELIMIT_REFUND,
  type RefundEvent,
} from '@portico/contracts';
import { utcDayEnd } from '@portico/definitions';
import {
  callService,
  encodeJson,
  type Failure,
  METRICS_REGISTRY,
  NATS_CONNECTION,
  PINO_LOGGER,
  type PinoLogger,
} from '@portico/platform';
import type { NatsConnection } from 'nats';
import { Counter, type Registry } from 'prom-client';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import type { EdgeRequest } from '../pipeline/edge-request';
import type { RouteEntry } from '../routing/route-table';
import { GatewayError } from '../responses/gateway-error';
import type { CompiledStage } from '../stages/compiled-stage';
import { LeaseStore } from './lease-store';
import type { StagePlan } from './usage-plan-index';
import { type BucketSet, bucketsFor, retryAfterSeconds, type ThrottleLimit } from './throttle-plan';

/** A request's bucket set, valid from `from` until `until` (its quota period and usage day). */
interface CachedSet {
  set: BucketSet;
  plan?: StagePlan;
  from: number;
  until: number;
}

/** Sets kept per method at most (one per API key); past it they are built afresh. */
const MAX_SETS_PER_METHOD = 10_000;

const DAY_MS = 24 * 3600 * 1000;

/** After the ratelimit service could not decide, how long before it is asked again. */
const UNAVAILABLE_RETRY_MS = 1000;

/** Logged at most this often while the ratelimit service cannot decide. */
const UNAVAILABLE_LOG_INTERVAL_MS = 10_000;

/**
 * Throttling of REST requests, after authorization and the API key as on API Gateway: the
 * account's bucket, and the method's own throttling or else the stage default, decided by the
 * ratelimit service through leases (LeaseStore). Refused: 429 `{"message":"Too Many Requests"}`
 * with Retry-After. The service not answering within THROTTLE_TIMEOUT_MS: admitted and counted
 * (THROTTLE_FAILURE_MODE=open) or 503 with `Retry-After: 1` (closed).
 */
@Injectable()
export class ThrottleGate implements BeforeApplicationShutdown {
  private readonly account: ThrottleLimit;
  private readonly leases: LeaseStore;
  /** Bucket sets by stage, method and API key id ('' without a key): see bucketsOf. */
  private readonly sets = new WeakMap<CompiledStage, WeakMap<RouteEntry, Map<string, CachedSet>>>();
  private readonly unavailable: Counter;
  private readonly outcomes: Counter<'outcome'>;
  private lastUnavailableLog = 0;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection | null,
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(PINO_LOGGER) private readonly logger: PinoLogger,
  ) {
    this.account = {
      ratePerSecond: config.THROTTLE_ACCOUNT_RATE,
      burst: config.THROTTLE_ACCOUNT_BURST,
    };
    this.leases = new LeaseStore((buckets, cost, quotas) => this.consume(buckets, cost, quotas), {
      fraction: config.THROTTLE_LEASE_FRACTION,
      ttlMs: config.THROTTLE_LEASE_TTL_MS,
      retryUnavailableMs: UNAVAILABLE_RETRY_MS,
      refund: (quotas, cost) => this.refund(quotas, cost),
    });
    this.unavailable = new Counter({
      name: 'portico_edge_throttle_unavailable_total',
      help: 'Requests the ratelimit service could not decide (admitted when THROTTLE_FAILURE_MODE=open, 503 when closed)',
      registers: [registry],
    });
    this.outcomes = new Counter({
      name: 'portico_edge_throttle_decisions_total',
      help: 'Throttle checks by outcome: admitted, throttled, quota_exceeded, unavailable',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  /** Stopping: quota units leased and not spent go back while NATS is still there. */
  beforeApplicationShutdown(): void {
    this.leases.clear();
  }

  /**
   * Admits the request or says why not; never throws. With THROTTLE_RATELIMIT_HEADERS the
   * answer says how much is left (see rateLimitHeaders).
   */
  async check(
    r: EdgeRequest,
    stage: CompiledStage,
    entry: RouteEntry,
  ): Promise<GatewayError | undefined> {
    const now = Date.now();
    const set = this.bucketsOf(stage, entry, r.apiKey, now);
    const refused = await this.admit(set, r.requestId);
    if (this.config.THROTTLE_RATELIMIT_HEADERS) {
      const headers = this.rateLimitHeaders(set, refused, now);
      if (refused) refused.headers = [...(refused.headers ?? []), ...headers.flat()];
      else r.responseHeaders = headers;
    }
    return refused;
  }

  /**
   * The request's bucket set, built once per stage, method and API key and kept until its quota
   * period or usage day ends (or the key's plan changes), not per request: building it names
   * every bucket in strings. A recompiled stage is a new object, so its sets are built again.
   */
  private bucketsOf(
    stage: CompiledStage,
    entry: RouteEntry,
    apiKey: EdgeRequest['apiKey'],
    now: number,
  ): BucketSet {
    let byEntry = this.sets.get(stage);
    if (!byEntry) this.sets.set(stage, (byEntry = new WeakMap()));
    let byKey = byEntry.get(entry);
    if (!byKey) byEntry.set(entry, (byKey = new Map()));
    const cached = byKey.get(apiKey?.id ?? '');
    if (cached && cached.plan === apiKey?.plan && now < cached.until && now >= cached.from) {
      return cached.set;
    }
    const set = bucketsFor(
      this.account,
      stage.throttling,
      {
        apiId: stage.apiId,
        stageName: stage.stageName,
        resourcePath: entry.resourcePath,
        methodKey: entry.methodKey,
        apiKey: apiKey && { id: apiKey.id, plan: apiKey.plan },
      },
      now,
    );
    if (byKey.size >= MAX_SETS_PER_METHOD) byKey.clear();
    const quota = set.quotas?.[0];
    const from = quota ? utcDayEnd(now) - DAY_MS : -Infinity;
    const until = quota ? Math.min(quota.periodEndsAt, utcDayEnd(now)) : Infinity;
    byKey.set(apiKey?.id ?? '', { set, plan: apiKey?.plan, from, until });
    return set;
  }

  /**
   * `X-RateLimit-Limit`, `-Remaining` and `-Reset` (seconds): of the usage plan's quota when the
   * request counts against one, else of its tightest bucket per second. Remaining is as this edge
   * last heard from the service, less what it has spent since — other edges' spending shows at
   * its next lease.
   */
  private rateLimitHeaders(
    set: BucketSet,
    refused: GatewayError | undefined,
    now: number,
  ): [string, string][] {
    const quota = set.quotas?.[0];
    const left = this.leases.remaining(set.id);
    if (quota) {
      const remaining =
        refused?.responseType === 'QUOTA_EXCEEDED' ? 0 : (left.quota ?? quota.limit);
      return rateLimitHeaders(quota.limit, remaining, Math.ceil((quota.periodEndsAt - now) / 1000));
    }
    const tightest = set.buckets.reduce((a, b) => (b.ratePerSecond < a.ratePerSecond ? b : a));
    const remaining = refused ? 0 : Math.min(left.tokens ?? tightest.burst, tightest.burst);
    return rateLimitHeaders(tightest.ratePerSecond, remaining, 1);
  }

  /**
   * Takes one token from every bucket of `set` (through this edge's lease of it): undefined when
   * admitted; else 429 THROTTLED with Retry-After, or — the service undecided — undefined
   * (THROTTLE_FAILURE_MODE=open) or 503 with `Retry-After: 1` (closed). Never throws. Any
   * throttled thing (a REST request, a WebSocket handshake or message) comes here.
   */
  async admit(set: BucketSet, requestId: string): Promise<GatewayError | undefined> {
    if (set.closed) {
      this.outcomes.inc({ outcome: 'throttled' });
      return throttled(1000, 'A throttling limit of 0 admits nothing');
    }
    const outcome = await this.leases.take(set.id, set.buckets, set.quotas);
    if (outcome.kind === 'admitted') {
      this.outcomes.inc({ outcome: 'admitted' });
      return undefined;
    }
    if (outcome.kind === 'refused' && outcome.refusedBy === 'quota') {
      this.outcomes.inc({ outcome: 'quota_exceeded' });
      return throttled(
        outcome.retryAfterMs,
        `Quota exceeded: ${set.quotas?.map((q) => q.key).join(', ')}`,
        'QUOTA_EXCEEDED',
      );
    }
    if (outcome.kind === 'refused') {
      this.outcomes.inc({ outcome: 'throttled' });
      return throttled(
        outcome.retryAfterMs,
        `Throttled: ${set.buckets.map((b) => b.key).join(', ')}`,
      );
    }
    this.outcomes.inc({ outcome: 'unavailable' });
    this.unavailable.inc();
    this.logUnavailable(requestId, outcome.message);
    if (this.config.THROTTLE_FAILURE_MODE === 'open') return undefined;
    const error = new GatewayError(
      'DEFAULT_5XX',
      503,
      'Service Unavailable',
      `Throttling: ${outcome.message}`,
    );
    error.headers = ['retry-after', '1'];
    return error;
  }

  private consume(
    buckets: readonly BucketRef[],
    cost: number,
    quotas: readonly QuotaRef[] | undefined,
  ): Promise<ConsumeReply | Failure> {
    const request: ConsumeRequest = { buckets: [...buckets], cost };
    if (quotas?.length) request.quotas = [...quotas];
    return callService<ConsumeReply>(this.nc ?? undefined, RATELIMIT_CONSUME, encodeJson(request), {
      timeoutMs: this.config.THROTTLE_TIMEOUT_MS,
      service: 'the ratelimit service',
    });
  }

  /** Unspent quota units back to the service: an event, lost only if NATS is (under-admits). */
  private refund(quotas: readonly QuotaRef[], cost: number): void {
    try {
      this.nc?.publish(
        RATELIMIT_REFUND,
        encodeJson({ quotas: [...quotas], cost } satisfies RefundEvent),
      );
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, cost }, 'Could not give quota units back');
    }
  }

  private logUnavailable(requestId: string, message: string): void {
    const now = Date.now();
    if (now - this.lastUnavailableLog < UNAVAILABLE_LOG_INTERVAL_MS) return;
    this.lastUnavailableLog = now;
    this.logger.warn(
      { requestId, mode: this.config.THROTTLE_FAILURE_MODE, err: message },
      'Throttling undecided: the ratelimit service did not decide',
    );
  }
}

function throttled(
  retryAfterMs: number,
  logMessage: string,
  type: 'THROTTLED' | 'QUOTA_EXCEEDED' = 'THROTTLED',
): GatewayError {
  const error = GatewayError.of(type, logMessage);
  error.headers = ['retry-after', String(retryAfterSeconds(retryAfterMs))];
  return error;
}

function rateLimitHeaders(
  limit: number,
  remaining: number,
  resetSeconds: number,
): [string, string][] {
  return [
    ['x-ratelimit-limit', String(limit)],
    ['x-ratelimit-remaining', String(Math.max(0, Math.floor(remaining)))],
    ['x-ratelimit-reset', String(Math.max(0, resetSeconds))],
  ];
}

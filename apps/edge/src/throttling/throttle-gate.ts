import { Inject, Injectable } from '@nestjs/common';
import {
  type BucketRef,
  type ConsumeReply,
  type ConsumeRequest,
  RATELIMIT_CONSUME,
} from '@portico/contracts';
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
import { type BucketSet, bucketsFor, retryAfterSeconds, type ThrottleLimit } from './throttle-plan';

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
export class ThrottleGate {
  private readonly account: ThrottleLimit;
  private readonly leases: LeaseStore;
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
    this.leases = new LeaseStore((buckets, cost) => this.consume(buckets, cost), {
      fraction: config.THROTTLE_LEASE_FRACTION,
      ttlMs: config.THROTTLE_LEASE_TTL_MS,
      retryUnavailableMs: UNAVAILABLE_RETRY_MS,
    });
    this.unavailable = new Counter({
      name: 'portico_edge_throttle_unavailable_total',
      help: 'Requests the ratelimit service could not decide (admitted when THROTTLE_FAILURE_MODE=open, 503 when closed)',
      registers: [registry],
    });
    this.outcomes = new Counter({
      name: 'portico_edge_throttle_decisions_total',
      help: 'Throttle checks by outcome: admitted, throttled, unavailable',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  /** Admits the request or says why not; never throws. */
  check(
    r: EdgeRequest,
    stage: CompiledStage,
    entry: RouteEntry,
  ): Promise<GatewayError | undefined> {
    const set = bucketsFor(this.account, stage.throttling, {
      apiId: stage.apiId,
      stageName: stage.stageName,
      resourcePath: entry.resourcePath,
      methodKey: entry.methodKey,
    });
    return this.admit(set, r.requestId);
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
    const outcome = await this.leases.take(set.id, set.buckets);
    if (outcome.kind === 'admitted') {
      this.outcomes.inc({ outcome: 'admitted' });
      return undefined;
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

  private consume(buckets: readonly BucketRef[], cost: number): Promise<ConsumeReply | Failure> {
    return callService<ConsumeReply>(
      this.nc ?? undefined,
      RATELIMIT_CONSUME,
      encodeJson({ buckets: [...buckets], cost } satisfies ConsumeRequest),
      { timeoutMs: this.config.THROTTLE_TIMEOUT_MS, service: 'the ratelimit service' },
    );
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

function throttled(retryAfterMs: number, logMessage: string): GatewayError {
  const error = GatewayError.of('THROTTLED', logMessage);
  error.headers = ['retry-after', String(retryAfterSeconds(retryAfterMs))];
  return error;
}

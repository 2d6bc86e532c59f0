import type Redis from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PinoLogger } from '../logging/logger';
import { ServiceError } from '../nats/request-server';

export interface RedisAvailabilityOptions {
  /** Names the metrics: `{prefix}_redis_failures_total` and `{prefix}_redis_available`. */
  metricPrefix: string;
  /** What the service's calls are, in the metrics' help and the logs: `cache calls`. */
  calls: string;
  /** The variable bounding a call, for the failures' help: `CACHE_REDIS_TIMEOUT_MS`. */
  timeoutVariable: string;
  /** The Unavailable error's message, before the cause: `Cache unavailable`. */
  unavailable: string;
}

/**
 * Whether a NATS service's Redis answers, as its callers see it: `call` runs a command and turns
 * any failure (an error, a timeout of the client's command bound, no connection) into
 * ServiceError('Unavailable') at once, counted in `{prefix}_redis_failures_total`;
 * `{prefix}_redis_available` is 0 from a failure until a call succeeds again or the client
 * reconnects, and each change is logged once.
 */
export class RedisAvailability {
  private readonly failures: Counter;
  private readonly available: Gauge;
  private up = true;
  private readonly onReady = (): void => this.markUp();

  constructor(
    private readonly redis: Redis,
    registry: Registry,
    private readonly logger: PinoLogger,
    private readonly options: RedisAvailabilityOptions,
  ) {
    const calls = options.calls[0]?.toUpperCase() + options.calls.slice(1);
    this.failures = new Counter({
      name: `${options.metricPrefix}_redis_failures_total`,
      help: `${calls} Redis did not answer: an error, a timeout past ${options.timeoutVariable}, or no connection`,
      registers: [registry],
    });
    this.available = new Gauge({
      name: `${options.metricPrefix}_redis_available`,
      help: `1 while Redis answers ${options.calls}, 0 from a failure until one succeeds again`,
      registers: [registry],
    });
    this.available.set(1);
    redis.on('ready', this.onReady);
  }

  /** Stops following the client's reconnects. */
  close(): void {
    this.redis.off('ready', this.onReady);
  }

  /** Runs `command`; a failure calls `onFailure` (the caller's own count) and throws Unavailable. */
  async call<T>(command: () => Promise<T>, onFailure?: () => void): Promise<T> {
    let result: T;
    try {
      result = await command();
    } catch (err) {
      this.markDown(err as Error);
      onFailure?.();
      throw this.unavailable(err);
    }
    this.markUp();
    return result;
  }

  /** The error a caller gets when Redis failed. */
  unavailable(err: unknown): ServiceError {
    const cause = err instanceof Error ? err.message : String(err);
    return new ServiceError('Unavailable', `${this.options.unavailable}: ${cause}`);
  }

  private markDown(err: Error): void {
    this.failures.inc();
    if (!this.up) return;
    this.up = false;
    this.available.set(0);
    this.logger.warn(
      { err: err.message },
      `Redis unavailable: ${this.options.calls} answered Unavailable`,
    );
  }

  private markUp(): void {
    if (this.up) return;
    this.up = true;
    this.available.set(1);
    this.logger.info(`Redis available again: ${this.options.calls} resume`);
  }
}

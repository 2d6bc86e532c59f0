import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ConsumeReply } from '@portico/contracts';
import {
  METRICS_REGISTRY,
  PINO_LOGGER,
  type PinoLogger,
  REDIS_CLIENT,
  RedisAvailability,
} from '@portico/platform';
import type Redis from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { RATELIMIT_CONFIG, type RateLimitConfig } from './config';
import type { Decision } from './consume.rules';
import { CONSUME_LUA } from './consume.lua';
import { type RateLimitKeys, rateLimitKeys } from './redis-keys';

/** The script's reply: see CONSUME_LUA. */
type ScriptReply = number[];

interface ScriptedRedis extends Redis {
  porticoRateLimitConsume(numKeys: number, ...args: (string | number)[]): Promise<ScriptReply>;
}

type Outcome = 'allowed' | 'throttled' | 'quota_exceeded' | 'unavailable' | 'invalid';

/**
 * Decides a ConsumeRequest in one Lua script call (EVALSHA; ioredis loads the script again
 * after a Redis restart). Every key shares the hash tag `{ratelimit}`, so Redis Cluster keeps
 * them in one slot and the script may touch any of them atomically.
 *
 * Redis failing, timing out (RATELIMIT_REDIS_TIMEOUT_MS, through the client's command timeout)
 * or away is answered Unavailable at once — the edge applies its fail-open or fail-closed mode —
 * and counted in `portico_ratelimit_redis_failures_total`; `portico_ratelimit_redis_available`
 * is 0 from the first failure until a decision succeeds again (or the client reconnects), and
 * each change is logged once.
 */
@Injectable()
export class RateLimiter implements OnModuleDestroy {
  private readonly redis: ScriptedRedis;
  private readonly keys: RateLimitKeys;
  private readonly decisions: Counter<'outcome'>;
  private readonly redisHealth: RedisAvailability;

  constructor(
    @Inject(REDIS_CLIENT) redis: Redis,
    @Inject(RATELIMIT_CONFIG) config: RateLimitConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(PINO_LOGGER) logger: PinoLogger,
  ) {
    redis.defineCommand('porticoRateLimitConsume', { lua: CONSUME_LUA });
    this.redis = redis as ScriptedRedis;
    this.keys = rateLimitKeys(config);
    this.decisions = new Counter({
      name: 'portico_ratelimit_decisions_total',
      help: 'Rate limit decisions by outcome: allowed, throttled, quota_exceeded, unavailable (Redis failed), invalid (a bad request)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.redisHealth = new RedisAvailability(redis, registry, logger, {
      metricPrefix: 'portico_ratelimit',
      calls: 'rate limit decisions',
      timeoutVariable: 'RATELIMIT_REDIS_TIMEOUT_MS',
      unavailable: 'Rate limit state unavailable',
    });
  }

  onModuleDestroy(): void {
    this.redisHealth.close();
  }

  /** A request refused before it reached Redis. */
  countInvalid(): void {
    this.count('invalid');
  }

  async consume({ buckets, quotas, cost }: Decision): Promise<ConsumeReply> {
    const keys = [
      ...buckets.map((b) => this.keys.bucket(b.key)),
      ...quotas.map((q) => this.keys.quota(q.key)),
    ];
    const args: (string | number)[] = [buckets.length, quotas.length, cost, this.keys.retentionMs];
    for (const b of buckets) args.push(b.ratePerSecond, b.burst);
    for (const q of quotas) {
      // Lua indexes KEYS from 1: the record goes after every key so far.
      const record = q.usageKey === undefined ? 0 : keys.push(this.keys.usage(q.usageKey));
      args.push(q.limit, q.periodEndsAt, record);
    }
    const reply = await this.redisHealth.call(
      () => this.redis.porticoRateLimitConsume(keys.length, ...keys, ...args),
      () => this.count('unavailable'),
    );
    const [admitted, second = 0, index = 0, retryAfterMs = 0] = reply;
    if (admitted === 1) {
      this.count('allowed');
      if (quotas.length === 0) return { ok: true, allowed: true, remaining: second };
      const quotaRemaining: Record<string, number> = {};
      quotas.forEach((q, j) => (quotaRemaining[q.key] = reply[2 + j] ?? 0));
      return { ok: true, allowed: true, remaining: second, quotaRemaining };
    }
    const throttled = second === 1;
    this.count(throttled ? 'throttled' : 'quota_exceeded');
    const ref = throttled ? buckets[index - 1] : quotas[index - 1];
    return {
      ok: true,
      allowed: false,
      refusedBy: throttled ? 'throttle' : 'quota',
      key: ref?.key ?? '',
      retryAfterMs,
    };
  }

  private count(outcome: Outcome): void {
    this.decisions.inc({ outcome });
  }
}

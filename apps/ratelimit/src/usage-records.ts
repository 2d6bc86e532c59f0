import { Inject, Injectable } from '@nestjs/common';
import {
  type QuotaRef,
  type RefundEvent,
  type UsageDay,
  type UsageGetReply,
  type UsageGetRequest,
  type UsageUpdateReply,
  usageKey,
} from '@portico/contracts';
import { PINO_LOGGER, type PinoLogger, REDIS_CLIENT } from '@portico/platform';
import type Redis from 'ioredis';
import { RATELIMIT_CONFIG, type RateLimitConfig } from './config';
import { type RateLimitKeys, rateLimitKeys, redisUnavailable } from './redis-keys';
import { REFUND_LUA, UPDATE_USAGE_LUA } from './usage.lua';

interface UsageScripts extends Redis {
  porticoRateLimitRefund(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
  porticoRateLimitUpdateUsage(numKeys: number, ...args: (string | number)[]): Promise<number>;
}

/**
 * The usage side of quotas: refunds of unspent lease units, usage records read for GetUsage, and
 * UpdateUsage. Each is one Redis round trip (a script, or one pipeline for a read), bounded by
 * RATELIMIT_REDIS_TIMEOUT_MS through the client; Redis failing is answered Unavailable.
 */
@Injectable()
export class UsageRecords {
  private readonly redis: UsageScripts;
  private readonly keys: RateLimitKeys;

  constructor(
    @Inject(REDIS_CLIENT) redis: Redis,
    @Inject(RATELIMIT_CONFIG) config: RateLimitConfig,
    @Inject(PINO_LOGGER) private readonly logger: PinoLogger,
  ) {
    redis.defineCommand('porticoRateLimitRefund', { lua: REFUND_LUA });
    redis.defineCommand('porticoRateLimitUpdateUsage', { lua: UPDATE_USAGE_LUA });
    this.redis = redis as UsageScripts;
    this.keys = rateLimitKeys(config);
  }

  /**
   * Gives `cost` units back to each quota that still has a counter. Redis failing drops the
   * refund with a warning (the units stay counted: a quota errs on the strict side).
   */
  async refund({ quotas, cost }: RefundEvent): Promise<void> {
    const keys = quotas.map((q) => this.keys.quota(q.key));
    const args: (string | number)[] = [cost, quotas.length];
    for (const q of quotas) {
      const record = q.usageKey === undefined ? 0 : keys.push(this.keys.usage(q.usageKey));
      args.push(q.limit, record);
    }
    let taken: number[];
    try {
      taken = await this.redis.porticoRateLimitRefund(keys.length, ...keys, ...args);
    } catch (err) {
      // An event has no one to answer: the units stay counted, as if the lease had spent them.
      this.logger.warn(
        { cost, quotas: quotas.map((q) => q.key), err: (err as Error).message },
        'quota refund dropped: Redis unavailable',
      );
      return;
    }
    this.logger.debug(
      { cost, refunded: Object.fromEntries(quotas.map((q, j) => [q.key, taken[j] ?? 0])) },
      'quota refund applied',
    );
  }

  /** Per key, per day: the recorded {used, remaining}, or null. One pipelined read. */
  async get({ usagePlanId, keyIds, days }: UsageGetRequest): Promise<UsageGetReply> {
    const pipeline = this.redis.pipeline();
    for (const keyId of keyIds) {
      for (const day of days) {
        pipeline.hmget(this.keys.usage(usageKey(usagePlanId, keyId, day)), 'used', 'remaining');
      }
    }
    let results: [Error | null, unknown][];
    try {
      results = (await pipeline.exec()) ?? [];
    } catch (err) {
      throw redisUnavailable(err);
    }
    const failed = results.find(([err]) => err !== null)?.[0];
    if (failed) throw redisUnavailable(failed);
    const usage: Record<string, (UsageDay | null)[]> = {};
    keyIds.forEach((keyId, k) => {
      usage[keyId] = days.map((_, d) => {
        const [used, remaining] = (results[k * days.length + d]?.[1] ?? []) as (string | null)[];
        if (used == null && remaining == null) return null;
        return { used: Number(used ?? 0), remaining: Number(remaining ?? 0) };
      });
    });
    return { ok: true, usage };
  }

  /** Sets what `quota` has left in its period to `remaining`, and records it for the day. */
  async update(quota: QuotaRef, remaining: number): Promise<UsageUpdateReply> {
    const keys = [this.keys.quota(quota.key)];
    if (quota.usageKey !== undefined) keys.push(this.keys.usage(quota.usageKey));
    try {
      await this.redis.porticoRateLimitUpdateUsage(
        keys.length,
        ...keys,
        quota.limit - remaining,
        quota.periodEndsAt,
        remaining,
        this.keys.retentionMs,
      );
    } catch (err) {
      throw redisUnavailable(err);
    }
    this.logger.info({ quota: quota.key, remaining }, 'quota remaining set');
    return { ok: true, remaining };
  }
}

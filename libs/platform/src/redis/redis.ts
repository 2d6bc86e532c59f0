import Redis from 'ioredis';
import type { PinoLogger } from '../logging/logger';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

export interface RedisOptions {
  url: string;
  commandTimeoutMs: number;
  name: string;
}

/**
 * No command waits past `commandTimeoutMs`: the timer starts when the command is issued, also
 * for one queued while the client reconnects, so a frozen or dead Redis turns into errors
 * within that bound rather than hanging requests.
 */
export async function connectRedis(opts: RedisOptions, logger: PinoLogger): Promise<Redis> {
  const redis = new Redis(opts.url, {
    connectionName: opts.name,
    commandTimeout: opts.commandTimeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'Redis connection error'));
  await redis.connect().catch((err: Error) => {
    redis.disconnect();
    throw new Error(`Cannot connect to Redis at ${redactUrl(opts.url)}: ${err.message}`);
  });
  return redis;
}

/** The values of a MULTI's replies; throws the first command's error, or when it aborted. */
export function checkExec(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('Redis transaction aborted');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

export function redisIsReady(redis: Redis): boolean {
  return redis.status === 'ready';
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

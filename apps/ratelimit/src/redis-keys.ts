import { ServiceError } from '@portico/platform';
import type { RateLimitConfig } from './config';

/**
 * Where the service keeps its state: every key under `${REDIS_KEY_PREFIX}{ratelimit}:`, one
 * hash tag, so Redis Cluster holds them in one slot and a script may touch any of them.
 */
export interface RateLimitKeys {
  bucket(key: string): string;
  quota(key: string): string;
  /** A usage record, named by the caller with `usageKey(…)` (which starts `usage:`). */
  usage(key: string): string;
  /** How long a usage record is kept after its last write, in ms. */
  retentionMs: number;
}

export function rateLimitKeys(config: RateLimitConfig): RateLimitKeys {
  const tag = `${config.REDIS_KEY_PREFIX}{ratelimit}:`;
  return {
    bucket: (key) => `${tag}bucket:${key}`,
    quota: (key) => `${tag}quota:${key}`,
    usage: (key) => `${tag}${key}`,
    retentionMs: config.RATELIMIT_USAGE_RETENTION_DAYS * 24 * 3600 * 1000,
  };
}

/** Redis failed, timed out or is away: the caller is answered Unavailable at once. */
export function redisUnavailable(err: unknown): ServiceError {
  return new ServiceError(
    'Unavailable',
    `Rate limit state unavailable: ${err instanceof Error ? err.message : String(err)}`,
  );
}

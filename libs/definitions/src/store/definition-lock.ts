import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

/** How long a holder may keep a lock before Redis drops it (a crashed holder never releases). */
export const DEFAULT_LOCK_TTL_MS = 30_000;
/** How long a writer waits for a lock before giving up with `DefinitionLockTimeoutError`. */
export const DEFAULT_LOCK_WAIT_MS = 10_000;

export interface LockOptions {
  /** Kept well above the slowest locked section; work such as parsing happens before locking. */
  ttlMs?: number;
  waitMs?: number;
}

/** Another writer held a lock for longer than this writer was willing to wait. */
export class DefinitionLockTimeoutError extends Error {
  constructor(readonly scopes: string[]) {
    super(`Timed out waiting for definition lock(s): ${scopes.join(', ')}`);
    this.name = 'DefinitionLockTimeoutError';
  }
}

// All-or-none: either every key is free and all are taken with this token, or none is.
// Taking several scopes in one script means no writer ever holds some of them while waiting.
const ACQUIRE = `
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
end
return 1`;

// Compare-and-delete: a holder whose lock expired and was taken by another never deletes it.
const RELEASE = `
local n = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then n = n + redis.call('DEL', KEYS[i]) end
end
return n`;

/**
 * Mutual exclusion between control replicas (and concurrent requests in one) for
 * read-check-write sequences on definitions. Lock keys share the `{defs}` hash tag, so the
 * scripts touch one Redis Cluster slot.
 */
export class DefinitionLocks {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  /** The Redis key that holds the lock for `scope` (its value is the holder's token). */
  key(scope: string): string {
    return `${this.keyPrefix}lock:${scope}`;
  }

  async withLock<T>(
    scopes: string | string[],
    fn: () => Promise<T>,
    opts: LockOptions = {},
  ): Promise<T> {
    const list = [...new Set(typeof scopes === 'string' ? [scopes] : scopes)].sort();
    if (list.length === 0) return fn();
    const keys = list.map((s) => this.key(s));
    const token = await this.acquire(
      list,
      keys,
      opts.ttlMs ?? DEFAULT_LOCK_TTL_MS,
      opts.waitMs ?? DEFAULT_LOCK_WAIT_MS,
    );
    try {
      return await fn();
    } finally {
      await this.redis.eval(RELEASE, keys.length, ...keys, token);
    }
  }

  private async acquire(
    scopes: string[],
    keys: string[],
    ttlMs: number,
    waitMs: number,
  ): Promise<string> {
    const token = randomUUID();
    const deadline = Date.now() + waitMs;
    let backoff = 5;
    for (;;) {
      const got = await this.redis.eval(ACQUIRE, keys.length, ...keys, token, String(ttlMs));
      if (got === 1) return token;
      if (Date.now() >= deadline) throw new DefinitionLockTimeoutError(scopes);
      // Jittered, capped backoff so waiting replicas do not retry in lock-step.
      await sleep(Math.min(backoff, Math.max(deadline - Date.now(), 0)) * (0.5 + Math.random()));
      backoff = Math.min(backoff * 2, 100);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

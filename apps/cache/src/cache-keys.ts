import type { CacheScope } from '@portico/contracts';
import type { CacheConfig } from './config';

/**
 * Where a stage's entries live: under `${REDIS_KEY_PREFIX}{cache:${apiId}/${stage}}:`, one hash
 * tag per stage, so Redis Cluster keeps a stage's entries (and their fill locks) in one slot —
 * an entry and its lock can change in one MULTI, and a flush SCANs one node.
 */
export interface CacheKeys {
  entry(scope: CacheScope, rest: string): string;
  lock(scope: CacheScope, rest: string): string;
  /** A SCAN MATCH pattern for the stage's entries whose rest starts with `restPrefix`. */
  entryPattern(scope: CacheScope, restPrefix: string): string;
}

export function cacheKeys(config: CacheConfig): CacheKeys {
  const tag = (s: CacheScope): string => `${config.REDIS_KEY_PREFIX}{cache:${s.apiId}/${s.stage}}`;
  return {
    entry: (s, rest) => `${tag(s)}:e:${rest}`,
    lock: (s, rest) => `${tag(s)}:l:${rest}`,
    entryPattern: (s, restPrefix) => `${globEscape(`${tag(s)}:e:${restPrefix}`)}*`,
  };
}

/** `text` matched literally by a Redis glob pattern. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

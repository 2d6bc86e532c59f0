import {
  CACHE_FILL,
  CACHE_INVALIDATE,
  CACHE_LOOKUP,
  type CachedResponse,
  type CacheFillReply,
  type CacheInvalidateReply,
  type CacheInvalidateRequest,
  type CacheLookupReply,
} from '@portico/contracts';
import type { ServiceHandle } from '@portico/platform';
import { type ReplicasUnderTest, startReplicasUnderTest } from '@portico/testing';
import { bootstrap } from '../bootstrap';

export interface CacheUnderTest extends ReplicasUnderTest<ServiceHandle> {
  lookup(key: string, fillLeaseMs?: number, n?: number): Promise<CacheLookupReply>;
  fill(key: string, entry: CachedResponse, ttlSeconds: number): Promise<CacheFillReply>;
  invalidate(body: CacheInvalidateRequest): Promise<CacheInvalidateReply>;
  /** An entry's Redis key, from the key the edge computed (`{apiId}/{stage}/rest`). */
  entryKey(key: string): string;
}

/** Real cache replicas on their own NATS and Redis, and client connections to call them. */
export async function startCacheUnderTest(
  opts: { replicas?: number; clients?: number; env?: Record<string, string> } = {},
): Promise<CacheUnderTest> {
  const under = await startReplicasUnderTest({
    bootstrap,
    env: { CACHE_OPS_PORT: '0', ...opts.env },
    replicas: opts.replicas,
    clients: opts.clients,
  });
  return {
    ...under,
    lookup: (key, fillLeaseMs, n = 0) =>
      under.call<CacheLookupReply>(
        CACHE_LOOKUP,
        fillLeaseMs === undefined ? { key } : { key, fillLeaseMs },
        n,
      ),
    fill: (key, entry, ttlSeconds) =>
      under.call<CacheFillReply>(CACHE_FILL, { key, entry, ttlSeconds }),
    invalidate: (body) => under.call<CacheInvalidateReply>(CACHE_INVALIDATE, body),
    entryKey: (key) => {
      const [apiId, stage] = key.split('/');
      const rest = key.slice(`${apiId}/${stage}/`.length);
      return `${under.infra.redisKeyPrefix}{cache:${apiId}/${stage}}:e:${rest}`;
    },
  };
}

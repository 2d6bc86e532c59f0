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
import { startInfra, type TestInfra } from '@portico/testing';
import Redis from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { bootstrap } from '../bootstrap';

export interface CacheUnderTest {
  infra: TestInfra;
  /** The replicas, sharing NATS (one queue group) and Redis. */
  replicas: ServiceHandle[];
  /** Client connections, as separate edges would hold. */
  clients: NatsConnection[];
  /** A plain Redis client, to look at what the service stored. */
  redis: Redis;
  lookup(key: string, fillLeaseMs?: number, n?: number): Promise<CacheLookupReply>;
  fill(key: string, entry: CachedResponse, ttlSeconds: number): Promise<CacheFillReply>;
  invalidate(body: CacheInvalidateRequest): Promise<CacheInvalidateReply>;
  /** Any request-reply call through `clients[0]`; a string body is sent as it is. */
  call<T>(subject: string, body: object | string): Promise<T>;
  /** An entry's Redis key, from the key the edge computed (`{apiId}/{stage}/rest`). */
  entryKey(key: string): string;
  /** One of a replica's metric lines' values, summed over its labels matching `labels`. */
  metric(replica: number, name: string, labels?: string): Promise<number>;
  close(): Promise<void>;
}

/** Real cache replicas on their own NATS and Redis, and client connections to call them. */
export async function startCacheUnderTest(
  opts: { replicas?: number; clients?: number; env?: Record<string, string> } = {},
): Promise<CacheUnderTest> {
  const infra = await startInfra();
  const replicas: ServiceHandle[] = [];
  for (let i = 0; i < (opts.replicas ?? 1); i++) {
    replicas.push(
      await bootstrap({
        NATS_URL: infra.natsUrl,
        REDIS_URL: infra.redisUrl,
        REDIS_KEY_PREFIX: infra.redisKeyPrefix,
        LOG_LEVEL: 'silent',
        OPS_HOST: '127.0.0.1',
        CACHE_OPS_PORT: '0',
        ...opts.env,
      }),
    );
  }
  const clients = await Promise.all(
    Array.from({ length: opts.clients ?? 1 }, () => connect({ servers: infra.natsUrl })),
  );
  const redis = new Redis(infra.redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const call = async <T>(subject: string, body: object | string, n = 0): Promise<T> => {
    const client = clients[n % clients.length] as NatsConnection;
    const data = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const reply = await client.request(subject, data, { timeout: 10_000 });
    return JSON.parse(reply.string()) as T;
  };
  return {
    infra,
    replicas,
    clients,
    redis,
    lookup: (key, fillLeaseMs, n = 0) =>
      call<CacheLookupReply>(
        CACHE_LOOKUP,
        fillLeaseMs === undefined ? { key } : { key, fillLeaseMs },
        n,
      ),
    fill: (key, entry, ttlSeconds) => call<CacheFillReply>(CACHE_FILL, { key, entry, ttlSeconds }),
    invalidate: (body) => call<CacheInvalidateReply>(CACHE_INVALIDATE, body),
    call: (subject, body) => call(subject, body),
    entryKey: (key) => {
      const [apiId, stage] = key.split('/');
      const rest = key.slice(`${apiId}/${stage}/`.length);
      return `${infra.redisKeyPrefix}{cache:${apiId}/${stage}}:e:${rest}`;
    },
    metric: async (replica, name, labels = '') => {
      const port = (replicas[replica] as ServiceHandle).opsPort;
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return text
        .split('\n')
        .filter(
          (line) =>
            (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(labels),
        )
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    },
    close: async () => {
      await Promise.all(replicas.map((r) => r.close()));
      await Promise.all(clients.map((c) => c.close()));
      redis.disconnect();
      await infra.stop();
    },
  };
}

import { type ConsumeReply, type ConsumeRequest, RATELIMIT_CONSUME } from '@portico/contracts';
import type { ServiceHandle } from '@portico/platform';
import { startInfra, type TestInfra } from '@portico/testing';
import Redis from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { bootstrap } from '../bootstrap';

export interface RateLimitUnderTest {
  infra: TestInfra;
  /** The replicas, sharing NATS (one queue group) and Redis. */
  replicas: ServiceHandle[];
  /** Client connections, as separate edges would hold. */
  clients: NatsConnection[];
  /** A plain Redis client, to look at what the service stored. */
  redis: Redis;
  /** One decision through `clients[n % clients.length]`; a string body is sent as it is. */
  consume(body: ConsumeRequest | string, n?: number): Promise<ConsumeReply>;
  /** Any request-reply call through `clients[0]`; a string body is sent as it is. */
  call<T>(subject: string, body: object | string): Promise<T>;
  /** An event through `clients[0]`, flushed to the server. */
  publish(subject: string, body: object | string): Promise<void>;
  /** A key as the service stores it. */
  bucketKey(key: string): string;
  quotaKey(key: string): string;
  usageRecordKey(key: string): string;
  /** One of a replica's metric lines' values, summed over its labels matching `labels`. */
  metric(replica: number, name: string, labels?: string): Promise<number>;
  close(): Promise<void>;
}

/** Real ratelimit replicas on their own NATS and Redis, and client connections to call them. */
export async function startRateLimitUnderTest(
  opts: { replicas?: number; clients?: number; env?: Record<string, string> } = {},
): Promise<RateLimitUnderTest> {
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
        RATELIMIT_OPS_PORT: '0',
        ...opts.env,
      }),
    );
  }
  const clients = await Promise.all(
    Array.from({ length: opts.clients ?? 1 }, () => connect({ servers: infra.natsUrl })),
  );
  const redis = new Redis(infra.redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const tag = `${infra.redisKeyPrefix}{ratelimit}`;
  const payload = (body: object | string) =>
    Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const call = async <T>(subject: string, body: object | string, n = 0): Promise<T> => {
    const client = clients[n % clients.length] as NatsConnection;
    const reply = await client.request(subject, payload(body), { timeout: 10_000 });
    return JSON.parse(reply.string()) as T;
  };
  return {
    infra,
    replicas,
    clients,
    redis,
    consume: (body, n = 0) => call<ConsumeReply>(RATELIMIT_CONSUME, body, n),
    call: (subject, body) => call(subject, body),
    publish: async (subject, body) => {
      const client = clients[0] as NatsConnection;
      client.publish(subject, payload(body));
      await client.flush();
    },
    bucketKey: (key) => `${tag}:bucket:${key}`,
    quotaKey: (key) => `${tag}:quota:${key}`,
    usageRecordKey: (key) => `${tag}:${key}`,
    metric: async (replica, name, labels = '') => {
      const port = (replicas[replica] as ServiceHandle).opsPort;
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return text
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
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

import Redis from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { startInfra, type TestInfra } from './infra';

/** What a service's bootstrap returns, as far as a test needs it. */
export interface ReplicaHandle {
  opsPort: number;
  close(): Promise<void>;
}

export interface ReplicasUnderTest<R extends ReplicaHandle> {
  infra: TestInfra;
  /** The replicas, sharing NATS (one queue group) and Redis. */
  replicas: R[];
  /** Client connections, as separate edges would hold. */
  clients: NatsConnection[];
  /** A plain Redis client, to look at what the service stored. */
  redis: Redis;
  /** A request-reply call through `clients[n % clients.length]`; a string body is sent as it is. */
  call<T>(subject: string, body: object | string, n?: number): Promise<T>;
  /** An event through `clients[0]`, flushed to the server. */
  publish(subject: string, body: object | string): Promise<void>;
  /** One of a replica's metric lines' values, summed over its labels matching `labels`. */
  metric(replica: number, name: string, labels?: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Real replicas of a NATS service on their own NATS and Redis (see startInfra), and client
 * connections to call them. `bootstrap` starts one replica from an environment; the common one
 * (NATS, Redis and its key prefix, silent logs, ops on loopback) comes first, then `env`.
 */
export async function startReplicasUnderTest<R extends ReplicaHandle>(opts: {
  bootstrap: (env: Record<string, string>) => Promise<R>;
  env: Record<string, string>;
  replicas?: number;
  clients?: number;
}): Promise<ReplicasUnderTest<R>> {
  const infra = await startInfra();
  const replicas: R[] = [];
  for (let i = 0; i < (opts.replicas ?? 1); i++) {
    replicas.push(
      await opts.bootstrap({
        NATS_URL: infra.natsUrl,
        REDIS_URL: infra.redisUrl,
        REDIS_KEY_PREFIX: infra.redisKeyPrefix,
        LOG_LEVEL: 'silent',
        OPS_HOST: '127.0.0.1',
        ...opts.env,
      }),
    );
  }
  const clients = await Promise.all(
    Array.from({ length: opts.clients ?? 1 }, () => connect({ servers: infra.natsUrl })),
  );
  const redis = new Redis(infra.redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const payload = (body: object | string) =>
    Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    infra,
    replicas,
    clients,
    redis,
    call: async <T>(subject: string, body: object | string, n = 0): Promise<T> => {
      const client = clients[n % clients.length] as NatsConnection;
      const reply = await client.request(subject, payload(body), { timeout: 10_000 });
      return JSON.parse(reply.string()) as T;
    },
    publish: async (subject, body) => {
      const client = clients[0] as NatsConnection;
      client.publish(subject, payload(body));
      await client.flush();
    },
    metric: async (replica, name, labels = '') => {
      const port = (replicas[replica] as R).opsPort;
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

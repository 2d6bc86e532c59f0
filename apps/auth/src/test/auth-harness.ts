import type { ServiceHandle } from '@portico/platform';
import { startInfra, type TestInfra } from '@portico/testing';
import Redis from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { bootstrap } from '../bootstrap';

export interface SeenEvent {
  subject: string;
  data: Record<string, unknown>;
}

export interface AuthUnderTest {
  infra: TestInfra;
  service: ServiceHandle;
  nc: NatsConnection;
  redis: Redis;
  /** What arrived on the subjects asked for, in order. */
  events: SeenEvent[];
  /**
   * Stops the service and starts it again on the same NATS and Redis with another secret and
   * environment (as a rolling restart with a new configuration does); `service` is the new one.
   */
  restart(secret: string, env?: Record<string, string>): Promise<void>;
  /** A request-reply call as control or an edge makes it; a string body is sent as it is. */
  call(subject: string, body: unknown): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * A real auth service with its own NATS and Redis, a client connection that records the events
 * on `subjects`, and a Redis client to look at what the service stored.
 */
export async function startAuthUnderTest(
  secret: string,
  subjects: string[],
  env: Record<string, string> = {},
): Promise<AuthUnderTest> {
  const infra = await startInfra();
  const redis = new Redis(infra.redisUrl);
  const nc = await connect({ servers: infra.natsUrl });
  const events: SeenEvent[] = [];
  for (const subject of subjects) {
    nc.subscribe(subject, {
      callback: (_err, msg) => events.push({ subject, data: JSON.parse(msg.string()) }),
    });
  }
  const start = (key: string, extra: Record<string, string>) =>
    bootstrap({
      NATS_URL: infra.natsUrl,
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: infra.redisKeyPrefix,
      LOG_LEVEL: 'silent',
      OPS_HOST: '127.0.0.1',
      AUTH_OPS_PORT: '0',
      AUTH_SECRET_KEY: key,
      AUTH_REVISION_INTERVAL_MS: '100',
      ...extra,
    });
  const auth: AuthUnderTest = {
    infra,
    service: await start(secret, env),
    nc,
    redis,
    events,
    call: async (subject, body) => {
      const payload = typeof body === 'string' ? body : JSON.stringify(body);
      const reply = await nc.request(subject, Buffer.from(payload), { timeout: 5_000 });
      return JSON.parse(reply.string()) as Record<string, unknown>;
    },
    restart: async (key, extra = {}) => {
      await auth.service.close();
      auth.service = await start(key, extra);
    },
    close: async () => {
      await auth.service.close();
      await nc.close();
      redis.disconnect();
      await infra.stop();
    },
  };
  return auth;
}

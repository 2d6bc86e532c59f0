import Redis from 'ioredis';
import { connect } from 'nats';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort, startInfra, type TestInfra } from './infra';

describe('startInfra', () => {
  let infra: TestInfra;
  beforeAll(async () => {
    infra = await startInfra();
  });
  afterAll(() => infra.stop());

  it('gives a Redis and a NATS with JetStream that answer', async () => {
    const redis = new Redis(infra.redisUrl);
    await redis.set(`${infra.redisKeyPrefix}k`, 'v');
    expect(await redis.get(`${infra.redisKeyPrefix}k`)).toBe('v');
    redis.disconnect();
    const nc = await connect({ servers: infra.natsUrl });
    const jsm = await nc.jetstreamManager();
    expect((await jsm.getAccountInfo()).limits).toBeDefined();
    await nc.close();
  });

  it('stops and restarts Redis for failure tests', async () => {
    if (infra.source === 'env') return;
    await infra.stopRedis();
    const redis = new Redis(infra.redisUrl, { lazyConnect: true, retryStrategy: () => null });
    await expect(redis.connect()).rejects.toThrow();
    await infra.startRedis();
    const again = new Redis(infra.redisUrl);
    expect(await again.ping()).toBe('PONG');
    again.disconnect();
  });
});

describe('freePort', () => {
  it('hands out distinct, bindable ports outside the kernel ephemeral range', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(20);
    const range = existsSync('/proc/sys/net/ipv4/ip_local_port_range')
      ? readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
          .trim()
          .split(/\s+/)
          .map(Number)
      : undefined;
    if (range) for (const p of ports) expect(p < range[0]! || p > range[1]!).toBe(true);
    const srv = createServer();
    await new Promise<void>((resolve) => srv.listen(ports[0], '0.0.0.0', resolve));
    await new Promise((resolve) => srv.close(resolve));
  });
});

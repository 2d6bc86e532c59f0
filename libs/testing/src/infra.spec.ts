import Redis from 'ioredis';
import { connect } from 'nats';
import { startInfra, type TestInfra } from './infra';

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

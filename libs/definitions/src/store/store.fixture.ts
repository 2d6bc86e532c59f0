import Redis from 'ioredis';
import { startInfra, type TestInfra } from '@portico/testing';
import { DefinitionStore } from './definition-store';

/**
 * For specs: a real Redis for the suite and a fresh DefinitionStore (its own key prefix, so an
 * empty store) for each test. Call inside `describe`; read `.store` / `.redis` inside tests.
 */
export function useStoreOnRealRedis(): {
  readonly store: DefinitionStore;
  readonly redis: Redis;
  /** The key prefix of this test's store. */
  readonly prefix: string;
} {
  let infra: TestInfra;
  let redis: Redis;
  let store: DefinitionStore;
  let prefix = '';
  let count = 0;

  beforeAll(async () => {
    infra = await startInfra();
    redis = new Redis(infra.redisUrl, { lazyConnect: true });
    await redis.connect();
  });

  afterAll(async () => {
    redis?.disconnect();
    await infra?.stop();
  });

  beforeEach(() => {
    prefix = `${infra.redisKeyPrefix}${++count}:`;
    store = new DefinitionStore(redis, prefix);
  });

  return {
    get store() {
      return store;
    },
    get redis() {
      return redis;
    },
    get prefix() {
      return prefix;
    },
  };
}

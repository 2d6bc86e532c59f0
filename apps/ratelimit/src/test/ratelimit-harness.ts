import { type ConsumeReply, type ConsumeRequest, RATELIMIT_CONSUME } from '@portico/contracts';
import type { ServiceHandle } from '@portico/platform';
import { type ReplicasUnderTest, startReplicasUnderTest } from '@portico/testing';
import { bootstrap } from '../bootstrap';

export interface RateLimitUnderTest extends ReplicasUnderTest<ServiceHandle> {
  /** One decision through `clients[n % clients.length]`; a string body is sent as it is. */
  consume(body: ConsumeRequest | string, n?: number): Promise<ConsumeReply>;
  /** A key as the service stores it. */
  bucketKey(key: string): string;
  quotaKey(key: string): string;
  usageRecordKey(key: string): string;
}

/** Real ratelimit replicas on their own NATS and Redis, and client connections to call them. */
export async function startRateLimitUnderTest(
  opts: { replicas?: number; clients?: number; env?: Record<string, string> } = {},
): Promise<RateLimitUnderTest> {
  const under = await startReplicasUnderTest({
    bootstrap,
    env: { RATELIMIT_OPS_PORT: '0', ...opts.env },
    replicas: opts.replicas,
    clients: opts.clients,
  });
  const tag = `${under.infra.redisKeyPrefix}{ratelimit}`;
  return {
    ...under,
    consume: (body, n = 0) => under.call<ConsumeReply>(RATELIMIT_CONSUME, body, n),
    bucketKey: (key) => `${tag}:bucket:${key}`,
    quotaKey: (key) => `${tag}:quota:${key}`,
    usageRecordKey: (key) => `${tag}:${key}`,
  };
}

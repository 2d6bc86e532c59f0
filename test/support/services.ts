import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { bootstrap as startAuth } from '@portico/auth';
import { bootstrap as startControl } from '@portico/control';
import { bootstrap as startEdge } from '@portico/edge';
import { bootstrap as startRatelimit } from '@portico/ratelimit';
import type { RunningService, ServiceHandle } from '@portico/platform';
import type { TestInfra } from '@portico/testing';

/** A fixed auth secret (32 bytes), so a suite can restart auth and still read its keys. */
export const TEST_AUTH_SECRET = Buffer.alloc(32, 7).toString('base64');

/** What every service of a suite shares: its NATS and Redis, silent logs, ops on loopback. */
export function serviceEnv(infra: TestInfra): Record<string, string> {
  return {
    NATS_URL: infra.natsUrl,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: infra.redisKeyPrefix,
    LOG_LEVEL: 'silent',
    OPS_HOST: '127.0.0.1',
  };
}

/** An auth service on the suite's infra; its revision announced every 200 ms. */
export function startTestAuth(
  infra: TestInfra,
  extra: Record<string, string> = {},
): Promise<ServiceHandle> {
  return startAuth({
    ...serviceEnv(infra),
    AUTH_SECRET_KEY: TEST_AUTH_SECRET,
    AUTH_OPS_PORT: '0',
    AUTH_REVISION_INTERVAL_MS: '200',
    ...extra,
  });
}

/** Control on free ports, without a config file watcher. */
export function startTestControl(
  infra: TestInfra,
  extra: Record<string, string> = {},
): Promise<RunningService> {
  return startControl({
    ...serviceEnv(infra),
    CONTROL_PORT: '0',
    CONTROL_OPS_PORT: '0',
    PORTICO_CONFIG_WATCH: 'false',
    ...extra,
  });
}

/** A ratelimit service on the suite's infra, its ops port free. */
export function startTestRatelimit(
  infra: TestInfra,
  extra: Record<string, string> = {},
): Promise<ServiceHandle> {
  return startRatelimit({ ...serviceEnv(infra), RATELIMIT_OPS_PORT: '0', ...extra });
}

/** An edge on loopback and free ports. */
export function startTestEdge(
  infra: TestInfra,
  extra: Record<string, string> = {},
): Promise<RunningService> {
  return startEdge({
    ...serviceEnv(infra),
    EDGE_HOST: '127.0.0.1',
    EDGE_PORT: '0',
    EDGE_OPS_PORT: '0',
    ...extra,
  });
}

/** The AWS SDK's management client for `control` (unsigned control: any credentials do). */
export function managementClient(control: RunningService): APIGatewayClient {
  return new APIGatewayClient({
    endpoint: `http://127.0.0.1:${control.port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
}

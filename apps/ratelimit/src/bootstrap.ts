import 'reflect-metadata';
import { createRuntime, type ServiceHandle, startWorker } from '@portico/platform';
import { loadRateLimitConfig } from './config';
import { RateLimitModule } from './ratelimit.module';

/**
 * Starts the ratelimit service: validates the environment, connects NATS and Redis (every
 * command bounded by RATELIMIT_REDIS_TIMEOUT_MS), joins the `portico-ratelimit` queue group and
 * opens the ops port (RATELIMIT_OPS_PORT: /healthz, /readyz, /metrics). It has no data port:
 * edges reach it over NATS. `close()` drains the subscriptions.
 */
export async function bootstrap(env?: NodeJS.ProcessEnv): Promise<ServiceHandle> {
  const config = loadRateLimitConfig(env);
  const runtime = await createRuntime(
    'ratelimit',
    { ...config, REDIS_COMMAND_TIMEOUT_MS: config.RATELIMIT_REDIS_TIMEOUT_MS },
    { nats: true, redis: true },
  );
  return startWorker({
    runtime,
    module: RateLimitModule.forRoot(config, runtime),
    opsHost: config.OPS_HOST,
    opsPort: config.RATELIMIT_OPS_PORT,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
}

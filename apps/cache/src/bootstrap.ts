import 'reflect-metadata';
import { createRuntime, type ServiceHandle, startWorker } from '@portico/platform';
import { CacheModule } from './cache.module';
import { loadCacheConfig } from './config';

/**
 * Starts the cache service: validates the environment, connects NATS and Redis (every command
 * bounded by CACHE_REDIS_TIMEOUT_MS), joins the `portico-cache` queue group and opens the ops
 * port (CACHE_OPS_PORT: /healthz, /readyz, /metrics). It has no data port: edges reach it over
 * NATS. `close()` drains the subscriptions.
 */
export async function bootstrap(env?: NodeJS.ProcessEnv): Promise<ServiceHandle> {
  const config = loadCacheConfig(env);
  const runtime = await createRuntime(
    'cache',
    { ...config, REDIS_COMMAND_TIMEOUT_MS: config.CACHE_REDIS_TIMEOUT_MS },
    { nats: true, redis: true },
  );
  return startWorker({
    runtime,
    module: CacheModule.forRoot(config, runtime),
    opsHost: config.OPS_HOST,
    opsPort: config.CACHE_OPS_PORT,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
}

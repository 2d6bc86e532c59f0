import 'reflect-metadata';
import { createRuntime, type ServiceHandle, startWorker } from '@portico/platform';
import { loadConnectionsConfig } from './config';
import { ConnectionsModule } from './connections.module';

/**
 * Starts the connections service: validates the environment, connects NATS and Redis, joins
 * the registry's queue groups and opens the ops port (CONNECTIONS_OPS_PORT: /healthz, /readyz,
 * /metrics). It has no data port: edges reach it over NATS. `close()` drains the subscriptions.
 */
export async function bootstrap(env?: NodeJS.ProcessEnv): Promise<ServiceHandle> {
  const config = loadConnectionsConfig(env);
  const runtime = await createRuntime('connections', config, { nats: true, redis: true });
  return startWorker({
    runtime,
    module: ConnectionsModule.forRoot(config, runtime),
    opsHost: config.OPS_HOST,
    opsPort: config.CONNECTIONS_OPS_PORT,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
}

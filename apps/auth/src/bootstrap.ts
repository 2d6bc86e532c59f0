import 'reflect-metadata';
import { createRuntime, type ServiceHandle, startWorker } from '@portico/platform';
import { AuthModule } from './auth.module';
import { loadAuthConfig } from './config';

/**
 * Starts the auth service: validates the environment (AUTH_SECRET_KEY above all), connects NATS
 * and Redis, joins the `portico-auth` queue group and opens the ops port (AUTH_OPS_PORT:
 * /healthz, /readyz, /metrics). It has no data port: edges and control reach it over NATS.
 * `close()` drains the subscriptions.
 */
export async function bootstrap(env?: NodeJS.ProcessEnv): Promise<ServiceHandle> {
  const config = loadAuthConfig(env);
  const runtime = await createRuntime('auth', config, { nats: true, redis: true });
  return startWorker({
    runtime,
    module: AuthModule.forRoot(config, runtime),
    opsHost: config.OPS_HOST,
    opsPort: config.AUTH_OPS_PORT,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
}

import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createRuntime, openOps, ServiceHandle } from '@portico/platform';
import { Logger } from 'nestjs-pino';
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
  try {
    const app = await NestFactory.createApplicationContext(
      ConnectionsModule.forRoot(config, runtime),
      { bufferLogs: true, abortOnError: false },
    );
    app.useLogger(app.get(Logger));
    app.flushLogs();
    await app.init();
    const ops = await openOps(runtime, config.OPS_HOST, config.CONNECTIONS_OPS_PORT);
    runtime.logger.info({ opsPort: ops.port }, 'listening');
    // ServiceHandle only closes the app: an application context is enough.
    return new ServiceHandle(app as INestApplication, runtime, ops, config.SHUTDOWN_TIMEOUT_MS);
  } catch (err) {
    await runtime.nats?.close().catch(() => undefined);
    runtime.redis?.disconnect();
    throw err;
  }
}

import { type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyServerOptions } from 'fastify';
import { Logger } from 'nestjs-pino';
import { openOps, ServiceHandle, type ServiceRuntime } from './runtime';

export interface StartServiceOptions {
  runtime: ServiceRuntime;
  /** The app's root module, built with its config and the runtime. */
  module: DynamicModule;
  host: string;
  port: number;
  opsHost: string;
  opsPort: number;
  shutdownTimeoutMs: number;
  fastify?: FastifyServerOptions;
  /** Runs after the app is created and before it listens (extra routes, microservices…). */
  configure?: (app: NestFastifyApplication) => Promise<void> | void;
}

export interface RunningService extends ServiceHandle {
  /** The data-plane (or management) port the service listens on. */
  readonly port: number;
}

/**
 * Creates the Nest app on Fastify, starts its ops server, and listens. Boot fails (and cleans
 * up) if any step fails, so a half-started service never lingers.
 */
export async function startService(opts: StartServiceOptions): Promise<RunningService> {
  const { runtime } = opts;
  let app: NestFastifyApplication | undefined;
  try {
    app = await NestFactory.create<NestFastifyApplication>(
      opts.module,
      new FastifyAdapter({ logger: false, return503OnClosing: true, ...opts.fastify }),
      { bufferLogs: true, abortOnError: false },
    );
    app.useLogger(app.get(Logger));
    app.flushLogs();
    await opts.configure?.(app);
    await app.listen({ host: opts.host, port: opts.port });
    const ops = await openOps(runtime, opts.opsHost, opts.opsPort);
    const handle = new ServiceHandle(app as INestApplication, runtime, ops, opts.shutdownTimeoutMs);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : opts.port;
    runtime.logger.info({ port, opsPort: ops.port }, 'listening');
    return Object.assign(handle, { port }) as RunningService;
  } catch (err) {
    await app?.close().catch(() => undefined);
    await runtime.nats?.close().catch(() => undefined);
    runtime.redis?.disconnect();
    throw err;
  }
}

export interface StartWorkerOptions {
  runtime: ServiceRuntime;
  /** The app's root module, built with its config and the runtime. */
  module: DynamicModule;
  opsHost: string;
  opsPort: number;
  shutdownTimeoutMs: number;
}

/**
 * A service without a data port (NATS is how it is reached): the Nest application context and
 * its ops server. Boot fails (and cleans up) if any step fails, as startService does.
 */
export async function startWorker(opts: StartWorkerOptions): Promise<ServiceHandle> {
  const { runtime } = opts;
  try {
    const app = await NestFactory.createApplicationContext(opts.module, {
      bufferLogs: true,
      abortOnError: false,
    });
    app.useLogger(app.get(Logger));
    app.flushLogs();
    await app.init();
    const ops = await openOps(runtime, opts.opsHost, opts.opsPort);
    runtime.logger.info({ opsPort: ops.port }, 'listening');
    // ServiceHandle only closes the app: an application context is enough.
    return new ServiceHandle(app as INestApplication, runtime, ops, opts.shutdownTimeoutMs);
  } catch (err) {
    await runtime.nats?.close().catch(() => undefined);
    runtime.redis?.disconnect();
    throw err;
  }
}

import type { INestApplication } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type Redis from 'ioredis';
import type { Registry } from 'prom-client';
import { HealthService } from '../health/health.service';
import { createPinoLogger, type PinoLogger } from '../logging/logger';
import { createMetricsRegistry } from '../metrics/metrics';
import { connectNats, natsIsReady } from '../nats/nats';
import { connectRedis, redisIsReady } from '../redis/redis';
import type { CommonEnv } from '../config/load-config';
import { startOpsServer, type OpsServer } from './ops-server';

/** What a service holds outside Nest's container: connections, logger, metrics, health. */
export interface ServiceRuntime {
  service: string;
  logger: PinoLogger;
  registry: Registry;
  health: HealthService;
  nats?: NatsConnection;
  redis?: Redis;
}

export async function createRuntime(
  service: string,
  env: CommonEnv,
  needs: {
    nats: boolean;
    redis: boolean;
    /** False when the service keeps working from memory while NATS or Redis is away. */
    readinessNeedsConnections?: boolean;
  },
): Promise<ServiceRuntime> {
  const gating = needs.readinessNeedsConnections ?? true;
  const logger = createPinoLogger(service, env.LOG_LEVEL);
  const health = new HealthService();
  const runtime: ServiceRuntime = {
    service,
    logger,
    registry: createMetricsRegistry(service),
    health,
  };
  try {
    if (needs.nats) {
      const nc = await connectNats(env.NATS_URL, service, logger);
      runtime.nats = nc;
      health.register('nats', () => natsIsReady(nc), { gating });
    }
    if (needs.redis) {
      const redis = await connectRedis(
        { url: env.REDIS_URL, commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS, name: service },
        logger,
      );
      runtime.redis = redis;
      health.register('redis', () => redisIsReady(redis), { gating });
    }
  } catch (err) {
    await closeConnections(runtime);
    throw err;
  }
  return runtime;
}

async function closeConnections(runtime: ServiceRuntime): Promise<void> {
  await runtime.nats
    ?.drain()
    .catch((err: Error) => runtime.logger.warn({ err: err.message }, 'NATS drain failed'));
  if (runtime.redis) {
    await runtime.redis.quit().catch(() => runtime.redis?.disconnect());
  }
}

/**
 * A running service. `close()` drains: readiness turns 503, the data port stops accepting and
 * finishes in-flight requests (Nest closes Fastify, which waits for them), then connections
 * close. It is safe to call more than once.
 */
export class ServiceHandle {
  private closing?: Promise<void>;

  constructor(
    readonly app: INestApplication,
    readonly runtime: ServiceRuntime,
    readonly ops: OpsServer,
    private readonly timeoutMs: number,
  ) {}

  get opsPort(): number {
    return this.ops.port;
  }

  close(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  private async drain(): Promise<void> {
    const { logger, health } = this.runtime;
    health.startDraining();
    logger.info({ timeoutMs: this.timeoutMs }, 'draining');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      timer.unref();
    });
    const result = await Promise.race([this.app.close().then(() => 'closed' as const), deadline]);
    clearTimeout(timer);
    if (result === 'timeout') logger.warn('drain timed out; closing with work in flight');
    await this.ops.close();
    await closeConnections(this.runtime);
    logger.info('stopped');
  }
}

export async function openOps(
  runtime: ServiceRuntime,
  host: string,
  port: number,
): Promise<OpsServer> {
  return startOpsServer({ health: runtime.health, registry: runtime.registry, host, port });
}

/** SIGTERM and SIGINT drain the service, then exit; a second signal exits at once. */
export function closeOnSignals(handle: ServiceHandle): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) process.exit(1);
    signalled = true;
    handle.runtime.logger.info({ signal }, 'signal received');
    handle.close().then(
      () => process.exit(0),
      (err: Error) => {
        handle.runtime.logger.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

import {
  createMetricsRegistry,
  HealthService,
  startOpsServer,
  type OpsServer,
} from '@portico/platform';
import type { Logger as PinoLogger } from 'pino';
import { startFunctionRunner, type FunctionRunner } from './function-runner';
import type { LambdaHandler } from './lambda.types';

export interface FunctionServiceOptions {
  natsUrl: string;
  name: string;
  handler: LambdaHandler;
  concurrency?: number;
  logger: PinoLogger;
  opsHost: string;
  /** 0 picks a free port. */
  opsPort: number;
}

export interface FunctionService {
  readonly runner: FunctionRunner;
  /** The port /healthz, /readyz and /metrics answer on. */
  readonly opsPort: number;
  /** Drains: readiness turns 503 at once, accepted invocations finish, then NATS and ops close. */
  close(): Promise<void>;
}

/**
 * `portico-fn` as a service like the others: the runner plus an ops server of its own.
 * Readiness is "connected to NATS, subscribed, not draining"; /metrics carries the runner's
 * portico_function_* series and the process metrics. The ops server starts first, so a taken
 * port fails before anything connects, and /healthz answers while NATS is still being reached.
 */
export async function startFunctionService(opts: FunctionServiceOptions): Promise<FunctionService> {
  const registry = createMetricsRegistry('portico-fn');
  const health = new HealthService();
  let runner: FunctionRunner | undefined;
  health.register('nats', () => runner?.status().natsConnected ?? false);
  health.register('subscribed', () => runner?.status().subscribed ?? false);
  const ops: OpsServer = await startOpsServer({
    health,
    registry,
    host: opts.opsHost,
    port: opts.opsPort,
  });
  try {
    runner = await startFunctionRunner({
      natsUrl: opts.natsUrl,
      name: opts.name,
      handler: opts.handler,
      concurrency: opts.concurrency,
      logger: opts.logger,
      registry,
    });
  } catch (err) {
    await ops
      .close()
      .catch((closeErr: unknown) =>
        opts.logger.warn({ err: closeErr }, 'Ops server did not close'),
      );
    throw err;
  }
  opts.logger.info({ function: opts.name, opsPort: ops.port }, 'Ops server listening');
  const running = runner;
  let closing: Promise<void> | undefined;
  return {
    runner: running,
    opsPort: ops.port,
    close: () => {
      closing ??= (async () => {
        health.startDraining();
        try {
          await running.close();
        } finally {
          await ops.close();
        }
      })();
      return closing;
    },
  };
}

#!/usr/bin/env node
import { createPinoLogger } from '@portico/platform';
import { parseCliArgs, USAGE, UsageError } from './cli-args';
import { DEFAULT_FN_OPS_PORT, loadFunctionRunnerConfig } from './config';
import { startFunctionService } from './function-service';
import { loadHandler } from './handler-loader';
import { installProcessGuards } from './process-guards';

/** `portico-fn <module> --name <fn>`: serves an unchanged Lambda handler module over NATS. */
export async function main(argv: string[]): Promise<void> {
  const args = parseCliArgs(argv);
  if (args.help) {
    process.stdout.write(
      `${USAGE}\nEnvironment: NATS_URL (default nats://127.0.0.1:4222), LOG_LEVEL, SHUTDOWN_TIMEOUT_MS,\n` +
        `  FN_OPS_PORT (default ${DEFAULT_FN_OPS_PORT}; /healthz, /readyz, /metrics), FN_OPS_HOST (default 0.0.0.0)\n`,
    );
    return;
  }
  const config = loadFunctionRunnerConfig();
  const logger = createPinoLogger('portico-fn', config.LOG_LEVEL);
  // Before the handler module loads: its top-level code may already leave a stray rejection.
  installProcessGuards(logger);
  const handler = await loadHandler(args.module, args.handler);
  const service = await startFunctionService({
    natsUrl: config.NATS_URL,
    name: args.name,
    handler,
    concurrency: args.concurrency,
    logger,
    opsHost: config.FN_OPS_HOST,
    opsPort: config.FN_OPS_PORT,
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second signal means "now": skip the rest of the drain.
      logger.warn({ signal }, 'Second signal during drain; exiting at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'Draining function runner');
    // A handler that never settles must not hold the process past the shutdown budget.
    const force = setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'Drain timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'Drain failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`portico-fn: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  });
}

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
  }).catch((err: unknown) => {
    throw opsListenError(err, config.FN_OPS_HOST, config.FN_OPS_PORT) ?? err;
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

/**
 * The ops server's listen error in the CLI's terms: the variable to change, not only the errno.
 * Undefined for any other error.
 */
function opsListenError(err: unknown, host: string, port: number): Error | undefined {
  const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
  if (code === 'EADDRINUSE') {
    return new Error(
      `ops port ${port} on ${host} is already in use (FN_OPS_PORT); give each runner on this ` +
        `machine its own FN_OPS_PORT, or FN_OPS_PORT=0 to pick a free one`,
    );
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new Error(
      `cannot listen on ${host}:${port} (${code}); set FN_OPS_PORT and FN_OPS_HOST to a port ` +
        `and address this process may use`,
    );
  }
  return undefined;
}

/** Runs the CLI and exits on failure: 2 for a bad argument, 1 for anything else. */
export function run(argv: string[]): void {
  main(argv).catch((err: unknown) => {
    process.stderr.write(`portico-fn: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  });
}

// `node dist/cli.js …`; the `portico-fn` bin (bin/portico-fn.js) calls run() itself.
if (require.main === module) run(process.argv.slice(2));

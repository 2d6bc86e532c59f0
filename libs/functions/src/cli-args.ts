import { parseArgs } from 'node:util';
import { FUNCTION_NAME_PATTERN } from '@portico/contracts';

export const USAGE =
  'Usage: portico-fn <module> --name <function> [--handler <export>] [--concurrency <n>]';

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'UsageError';
  }
}

export interface CliArgs {
  module: string;
  name: string;
  handler: string;
  concurrency?: number;
  help: boolean;
}

export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: 'string', short: 'n' },
        handler: { type: 'string', default: 'handler' },
        concurrency: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { module: '', name: '', handler: 'handler', help: true };
  if (positionals.length !== 1 || !positionals[0]) {
    throw new UsageError(
      positionals.length === 0 ? 'Missing the handler module' : 'Exactly one handler module',
    );
  }
  if (!values.name) throw new UsageError('Missing --name');
  if (!FUNCTION_NAME_PATTERN.test(values.name)) {
    throw new UsageError(
      `Invalid --name "${values.name}": letters, digits, - and _ only, up to 64 characters`,
    );
  }
  let concurrency: number | undefined;
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency);
    if (!/^\d+$/.test(values.concurrency) || concurrency < 1 || concurrency > 10_000) {
      throw new UsageError(
        `Invalid --concurrency "${values.concurrency}": an integer from 1 to 10000`,
      );
    }
  }
  const handler = values.handler ?? 'handler';
  if (!/^[A-Za-z_$][\w$]*$/.test(handler))
    throw new UsageError(`Invalid --handler "${handler}": an export name`);
  return { module: positionals[0], name: values.name, handler, concurrency, help: false };
}

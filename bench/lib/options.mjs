// The command line of `pnpm bench`.
import { parseArgs } from 'node:util';
import { AUTH_BASELINE, AUTH_TARGETS, BASELINES, TARGETS, WS_SCENARIOS } from './targets.mjs';

export const USAGE = `Usage: pnpm bench [options]   (or: node bench/cli.mjs [options])

Benchmarks Portico against the upstream alone, nginx and fast-gateway on this machine, all on
loopback with free ports. Builds Portico first when its build is stale, as \`pnpm start\` does.

Options:
  --quick               a short run (under 2 minutes): 2 rounds of 3 s per target
  --out <dir>           where to write the results (default bench/results)
  --connections <n>     connections of the closed model and the open model's pool (default 32)
  --only <t,…>          run only these targets and WebSocket scenarios (direct and
                        fast-gateway always run; ${AUTH_TARGETS.join(' and ')} bring
                        ${AUTH_BASELINE}, their cost is measured against it)
  --idle-connections <n>  WebSocket connections the ws-idle scenario holds on one edge
                        (default 50000, quick 2000; capped by the open-files limit)
  --log-level <level>   Portico's LOG_LEVEL (default info: as shipped, access log on)
  --no-build            fail instead of building when the build is stale
  --help                this text

Targets, in run order: ${TARGETS.join(', ')}.
WebSocket scenarios, after them: ${WS_SCENARIOS.join(', ')}.
Writes <UTC timestamp>-<quick|full>.{md,json,svg} and latest-<quick|full>.{md,json,svg}.`;

/** Durations in seconds for each mode. */
const PLANS = {
  quick: { warmupS: 1, rounds: 2, runS: 3, openS: 3 },
  full: { warmupS: 5, rounds: 5, runS: 10, openS: 15 },
};

/**
 * The WebSocket scenarios' sizes for each mode: connections held idle, clients sending echoes,
 * the message rate of the BRIEF's latency goal, @connections receivers and channel members.
 */
const WS_PLANS = {
  quick: { idleConnections: 2_000, echoClients: 50, echoRate: 5_000, receivers: 32, members: 100 },
  full: { idleConnections: 50_000, echoClients: 50, echoRate: 5_000, receivers: 32, members: 100 },
};

const ALL = [...TARGETS, ...WS_SCENARIOS];

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export class UsageError extends Error {}

/** Parses argv (without node and the script); throws UsageError with a message to show. */
export function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        connections: { type: 'string', default: '32' },
        only: { type: 'string' },
        'idle-connections': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'no-build': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(err.message);
  }
  const connections = Number(values.connections);
  if (!Number.isInteger(connections) || connections < 1 || connections > 10_000) {
    throw new UsageError(
      `--connections must be an integer from 1 to 10000, not ${values.connections}`,
    );
  }
  if (!LEVELS.includes(values['log-level'])) {
    throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
  }
  const idle = values['idle-connections'];
  if (idle !== undefined && !(Number.isInteger(Number(idle)) && Number(idle) >= 1)) {
    throw new UsageError(`--idle-connections must be a positive integer, not ${idle}`);
  }
  let selected = new Set(ALL);
  if (values.only !== undefined) {
    const names = values.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((name) => !ALL.includes(name));
    if (unknown.length || names.length === 0) {
      throw new UsageError(
        `--only takes targets from: ${ALL.join(', ')} (not ${unknown.join(', ') || 'nothing'})`,
      );
    }
    const auth = names.some((name) => AUTH_TARGETS.includes(name));
    selected = new Set([...BASELINES, ...(auth ? [AUTH_BASELINE] : []), ...names]);
  }
  const mode = values.quick ? 'quick' : 'full';
  return {
    help: values.help,
    mode,
    out: values.out,
    noBuild: values['no-build'],
    logLevel: values['log-level'],
    selected,
    plan: { connections, ...PLANS[mode] },
    wsPlan: {
      ...WS_PLANS[mode],
      ...(idle === undefined ? {} : { idleConnections: Number(idle) }),
    },
  };
}

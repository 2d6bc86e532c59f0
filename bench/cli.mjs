#!/usr/bin/env node
// `pnpm bench`: Portico against the upstream alone, nginx and fast-gateway, on this machine.
// Builds when the build is stale (as `pnpm start` does), finds or starts NATS and Redis, starts
// every target on free loopback ports, measures them (closed model, then open model) from a
// separate load process, and writes the report under bench/results/. Ctrl-C stops everything
// it started. `--help` lists the options.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, BuildError } from '../scripts/lib/build.mjs';
import { InfraError, provideInfra } from '../scripts/lib/infra.mjs';
import { onInterrupt, ProcessGroup } from '../scripts/lib/processes.mjs';
import { count } from './lib/format.mjs';
import { LoadClient } from './lib/load-client.mjs';
import { machineInfo, versionsInfo } from './lib/machine.mjs';
import { parseOptions, USAGE, UsageError } from './lib/options.mjs';
import { runProcedure } from './lib/procedure.mjs';
import { runWebSocketProcedure } from './lib/ws-procedure.mjs';
import { deleteKeysWithPrefix } from './lib/redis-keys.mjs';
import { assembleResult, writeResult } from './lib/result.mjs';
import { serviceExited, startStack } from './lib/stack.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
/** How long each service may drain when the run ends; they are idle by then. */
const SHUTDOWN_MS = 5_000;

function say(text) {
  process.stdout.write(`bench | ${text}\n`);
}

function fail(text, code = 1) {
  process.stderr.write(`\npnpm bench: ${text}\n`);
  process.exit(code);
}

/** The command as typed, for the report. */
function commandLine(argv) {
  const base = env.npm_lifecycle_event === 'bench' ? 'pnpm bench' : 'node bench/cli.mjs';
  return [base, ...argv].join(' ');
}

async function main() {
  const argv = process.argv.slice(2);
  let options;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (err instanceof UsageError) fail(`${err.message}\n\n${USAGE}`, 2);
    throw err;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [major] = process.versions.node.split('.').map(Number);
  if (major < 22) fail(`Node ${process.versions.node} is too old; Portico needs Node 22 or later.`);
  const startedAt = new Date();
  // Before anything starts: the load average then says how busy the machine was already.
  const machine = machineInfo();
  // A relative --out means the directory pnpm was run in, which pnpm passes as INIT_CWD.
  const outDir = options.out
    ? resolve(env.INIT_CWD ?? process.cwd(), options.out)
    : join(root, 'bench/results');
  const { plan } = options;
  say(
    `${options.mode} run: ${plan.connections} connections, ${plan.rounds} rounds of ${plan.runS} s ` +
      `per target, open model ${plan.openS} s per run; results in ${outDir}`,
  );
  build(root, { noBuild: options.noBuild, log: say });

  const workDir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  const redisKeyPrefix = `bench-${process.pid}:`;
  const group = new ProcessGroup({ raw: true, colour: false });
  let infra;
  let load;
  let keepWorkDir = false;
  let stopping;
  const stop = (code) => {
    stopping ??= (async () => {
      await load?.stop();
      await group.stopAll(SHUTDOWN_MS + 5_000);
      // A Redis this run started goes away whole; in one it found, only its own keys go.
      if (infra && !infra.redis.source.startsWith('started')) {
        await deleteKeysWithPrefix(infra.redis.url, redisKeyPrefix).catch((err) =>
          say(`could not remove the keys under ${redisKeyPrefix} from Redis: ${err.message}`),
        );
      }
      await infra?.stop();
      if (keepWorkDir) say(`logs and generated config kept in ${workDir}`);
      else rmSync(workDir, { recursive: true, force: true, maxRetries: 3 });
      process.exit(code);
    })();
    return stopping;
  };
  onInterrupt({
    orderly: () => infra !== undefined,
    stop: () => {
      say('interrupted: stopping everything this run started');
      void stop(130);
    },
    kill: () => {
      load?.kill();
      group.killAll();
      infra?.kill();
    },
  });

  try {
    // A NATS of its own: another Portico on a shared one (`pnpm start`, a test suite) would answer
    // the edge's API key checks from its own auth service, with its own keys.
    infra = await provideInfra(env, say, undefined, { privateNats: true });
    say(
      `NATS ${infra.nats.url} (${infra.nats.source}); Redis ${infra.redis.url} (${infra.redis.source}), keys under ${redisKeyPrefix}`,
    );
    const stack = await startStack({
      root,
      workDir,
      group,
      infra,
      redisKeyPrefix,
      selected: options.selected,
      logLevel: options.logLevel,
      shutdownMs: SHUTDOWN_MS,
      env,
      say,
    });
    const { targets, scenarios, startup } = stack;
    let fatal;
    group.onUnexpectedExit = (name) => {
      if (serviceExited([...targets, ...scenarios], name))
        fatal = `${name} exited; nothing can be measured without it`;
    };
    const ready = [...targets, ...scenarios].filter((t) => t.status === 'ready').map((t) => t.name);
    say(`ready: ${ready.join(', ')}`);
    if (startup.controlDeployedMs !== undefined) {
      say(
        `control deployed ${count(Object.values(startup.apis ?? {}).reduce((n, a) => n + a.routes, 0))} routes ` +
          `${(startup.controlDeployedMs / 1000).toFixed(1)} s after it started; the edge served them ` +
          `${(startup.edgeServingMs / 1000).toFixed(1)} s after it started`,
      );
    }

    load = await LoadClient.start();
    const checkFatal = () => {
      if (fatal) throw new Error(fatal);
    };
    const runs = await runProcedure({ load, targets, plan, say, checkFatal });
    const webSocket = stack.webSocket
      ? await runWebSocketProcedure({
          load,
          ws: stack.webSocket,
          scenarios,
          plan,
          wsPlan: options.wsPlan,
          say,
          checkFatal,
        })
      : {};
    const result = assembleResult({
      mode: options.mode,
      command: commandLine(argv),
      startedAt,
      machine,
      versions: versionsInfo(root, stack.nginx),
      plan: { ...plan, logLevel: options.logLevel },
      targets,
      runs,
      startup,
      wsPlan: options.wsPlan,
      scenarios,
      webSocket,
    });
    const { files, markdown } = writeResult(outDir, result);
    say(`wrote ${files.md}, .json and .svg (and latest-${options.mode}.*)`);
    process.stdout.write(`\n${markdown}\n`);
    for (const line of result.failures) say(`FAILED ${line}`);
    keepWorkDir = result.failures.length > 0;
    await stop(result.failures.length > 0 ? 1 : 0);
  } catch (err) {
    if (stopping) return;
    say(`failed: ${err instanceof InfraError ? err.message : (err.stack ?? String(err))}`);
    keepWorkDir = true;
    await stop(1);
  }
}

main().catch((err) => {
  if (err instanceof InfraError || err instanceof BuildError) fail(err.message);
  fail(err.stack ?? String(err));
});

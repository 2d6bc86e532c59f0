#!/usr/bin/env node
// `pnpm start`: the whole gateway on this machine, without Docker. Builds when the build is
// missing or older than the sources, finds or starts NATS and Redis, starts the demo upstream,
// the demo functions (hello, chat), the connections, auth, ratelimit and cache services, control
// (deploying demo/portico.yaml) and edge, waits until they are ready and prints requests to try.
// Ctrl-C stops everything it started; services drain first.
//
//   pnpm start [--no-build] [--raw-logs]
//
// Environment: NATS_URL, REDIS_URL, LOG_LEVEL, EDGE_PORT (8080), EDGE_OPS_PORT (9080),
// CONTROL_PORT (8081), CONTROL_OPS_PORT (9081), CONNECTIONS_OPS_PORT (9083), AUTH_OPS_PORT
// (9084), AUTH_SECRET_KEY (a fixed development value), RATELIMIT_OPS_PORT (9085), CACHE_OPS_PORT
// (9086), UPSTREAM_PORT (3000), FN_OPS_PORT (9090), FN_CHAT_OPS_PORT (9091), PORTICO_CONFIG
// (demo/portico.yaml; a relative path is taken from the directory pnpm was run in),
// SHUTDOWN_TIMEOUT_MS (10000). See docs/running.md.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, BuildError, ENTRIES } from './lib/build.mjs';
import { assertPortFree, InfraError, provideInfra } from './lib/infra.mjs';
import { onInterrupt, ProcessGroup, waitForHttp } from './lib/processes.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const env = process.env;

const ports = {
  edge: Number(env.EDGE_PORT ?? 8080),
  edgeOps: Number(env.EDGE_OPS_PORT ?? 9080),
  control: Number(env.CONTROL_PORT ?? 8081),
  controlOps: Number(env.CONTROL_OPS_PORT ?? 9081),
  connectionsOps: Number(env.CONNECTIONS_OPS_PORT ?? 9083),
  authOps: Number(env.AUTH_OPS_PORT ?? 9084),
  ratelimitOps: Number(env.RATELIMIT_OPS_PORT ?? 9085),
  cacheOps: Number(env.CACHE_OPS_PORT ?? 9086),
  upstream: Number(env.UPSTREAM_PORT ?? 3000),
  fnOps: Number(env.FN_OPS_PORT ?? 9090),
  fnChatOps: Number(env.FN_CHAT_OPS_PORT ?? 9091),
};
const host = '127.0.0.1';
/** The auth service's secret unless AUTH_SECRET_KEY is set: public, as in docker-compose.yml. */
const DEV_AUTH_SECRET_KEY = 'cG9ydGljby1kZXYtb25seS1ub3QtYS1zZWNyZXQhISE=';
/** demo/portico.yaml's API key `demo`, which its usage plan `demo` admits on demo/prod. */
const DEMO_API_KEY = 'demo-api-key-not-for-production-0001';
const shutdownMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? 10_000);
// pnpm runs scripts in the repository root; a relative path means the directory `pnpm start`
// was typed in, which pnpm passes as INIT_CWD.
const configFile = env.PORTICO_CONFIG
  ? resolve(env.INIT_CWD ?? process.cwd(), env.PORTICO_CONFIG)
  : join(root, 'demo/portico.yaml');
const demoConfig = !env.PORTICO_CONFIG;

/** Width of the `name|` column: the longest process name, `connections`. */
const LABEL_WIDTH = 11;

function say(text) {
  process.stdout.write(`${'portico'.padEnd(LABEL_WIDTH)}| ${text}\n`);
}

function fail(text) {
  process.stderr.write(`\npnpm start: ${text}\n`);
  process.exit(1);
}

async function checkPorts() {
  const checks = [
    [ports.edge, 'the gateway needs it: stop what uses it or set EDGE_PORT'],
    [ports.edgeOps, "edge's ops port: set EDGE_OPS_PORT"],
    [ports.control, 'the management API needs it: set CONTROL_PORT'],
    [ports.controlOps, "control's ops port: set CONTROL_OPS_PORT"],
    [ports.connectionsOps, "the connections service's ops port: set CONNECTIONS_OPS_PORT"],
    [ports.authOps, "the auth service's ops port: set AUTH_OPS_PORT"],
    [ports.ratelimitOps, "the ratelimit service's ops port: set RATELIMIT_OPS_PORT"],
    [ports.cacheOps, "the cache service's ops port: set CACHE_OPS_PORT"],
  ];
  if (demoConfig) {
    checks.push([
      ports.upstream,
      "the demo upstream needs it: set UPSTREAM_PORT and demo/portico.yaml's upstream variable",
    ]);
    checks.push([ports.fnOps, "the demo function runner's ops port: set FN_OPS_PORT"]);
    checks.push([ports.fnChatOps, "the chat function runner's ops port: set FN_CHAT_OPS_PORT"]);
  }
  for (const [port, what] of checks) await assertPortFree(host, port, what);
}

function printTryLines() {
  const gateway = `http://localhost:${ports.edge}`;
  const stage = `${gateway}/restapis/demo/prod/_user_request_`;
  const chat = `${gateway}/restapis/chat/prod/_user_request_`;
  const tries = [
    ['HTTP proxy to the demo upstream, path style', `curl ${stage}/pets`],
    [
      'the same API by host name',
      `curl http://demo.execute-api.localhost:${ports.edge}/prod/pets/2`,
    ],
    ['by its custom domain and base path', `curl http://pets.localhost:${ports.edge}/v1/pets/1`],
    [
      'a POST, echoed by the upstream',
      `curl -X POST ${stage}/pets -H 'content-type: application/json' -d '{"name":"Bo","type":"dog"}'`,
    ],
    ['a Lambda handler (demo/functions/hello.mjs)', `curl '${stage}/hello/you?greeting=hi'`],
    ['a mock integration', `curl ${stage}/health`],
    [
      "an API key for GET /private/pets: demo/portico.yaml's key, which its usage plan demo admits on demo/prod (your own key needs a plan too: README, API keys)",
      `curl ${stage}/private/pets -H 'x-api-key: ${DEMO_API_KEY}'`,
    ],
    ['… without one: 403 Forbidden', `curl -i ${stage}/private/pets`],
    ['integration timeout: 504 after 1 s', `curl -i ${stage}/slow`],
    ['a customised gateway response: 404', `curl -i ${stage}/nowhere`],
    [
      'the WebSocket chat (demo/functions/chat.mjs): connect, then send {"action":"send","text":"hi"}',
      `npx wscat -c ws://localhost:${ports.edge}/restapis/chat/prod/_user_request_/`,
    ],
    [
      'broadcast to every chat connection (all join channel lobby)',
      `curl -X POST ${chat}/@channels/lobby -d 'hello everyone'`,
    ],
    [
      'who is connected: each connectionId, for POST @connections/{id}',
      `curl ${chat}/@connections`,
    ],
    [
      'the management API: the AWS CLI wants credentials to sign with; any will do',
      `AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws apigateway get-rest-apis --endpoint-url http://${host}:${ports.control} --region us-east-1`,
    ],
  ];
  say('');
  say(`Portico is up: gateway ${gateway}, management API http://${host}:${ports.control}`);
  say('');
  for (const [what, command] of tries) {
    say(`  # ${what}`);
    say(`  ${command}`);
  }
  say('');
  say('Press Ctrl-C to stop.');
}

async function main() {
  const [major] = process.versions.node.split('.').map(Number);
  if (major < 22) fail(`Node ${process.versions.node} is too old; Portico needs Node 22 or later.`);
  if (!existsSync(configFile)) fail(`no config file at ${configFile} (PORTICO_CONFIG).`);
  build(root, { noBuild: args.has('--no-build'), log: say });
  await checkPorts();

  const group = new ProcessGroup({
    raw: args.has('--raw-logs'),
    colour: process.stdout.isTTY,
    width: LABEL_WIDTH,
  });
  let infra;
  let stopping;
  const stop = (code) => {
    stopping ??= (async () => {
      say('stopping: services drain in-flight work first (Ctrl-C again to kill at once)');
      await group.stopAll(shutdownMs + 5_000);
      await infra?.stop();
      say('stopped');
      process.exit(code);
    })();
    return stopping;
  };
  onInterrupt({
    orderly: () => infra !== undefined,
    stop: () => void stop(0),
    kill: () => {
      group.killAll();
      infra?.kill();
    },
  });

  infra = await provideInfra(env, say);
  say(`NATS  ${infra.nats.url} (${infra.nats.source})`);
  say(`Redis ${infra.redis.url} (${infra.redis.source})`);

  group.onUnexpectedExit = () => void stop(1);

  const common = {
    ...env,
    NATS_URL: infra.nats.url,
    REDIS_URL: infra.redis.url,
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
    OPS_HOST: host,
    SHUTDOWN_TIMEOUT_MS: String(shutdownMs),
  };
  const run = (name, script, extraArgs, extraEnv) =>
    group.start(name, process.execPath, [join(root, script), ...extraArgs], {
      cwd: root,
      env: { ...common, ...extraEnv },
    });

  try {
    // The WebSocket connection registry: edges register every connection with it over NATS.
    const connections = run('connections', ENTRIES.connections, [], {
      CONNECTIONS_OPS_PORT: String(ports.connectionsOps),
    });
    // API keys. The development secret is public: set AUTH_SECRET_KEY to keep keys you care about.
    const auth = run('auth', ENTRIES.auth, [], {
      AUTH_OPS_PORT: String(ports.authOps),
      AUTH_SECRET_KEY: env.AUTH_SECRET_KEY ?? DEV_AUTH_SECRET_KEY,
    });
    // Throttling and quotas: token buckets and counters in Redis, decided over NATS.
    const ratelimit = run('ratelimit', ENTRIES.ratelimit, [], {
      RATELIMIT_OPS_PORT: String(ports.ratelimitOps),
    });
    // The stage response cache: entries in Redis, looked up and filled over NATS. The edge does
    // not call it yet (docs/cache.md); it runs so its subjects answer.
    const cache = run('cache', ENTRIES.cache, [], {
      CACHE_OPS_PORT: String(ports.cacheOps),
    });
    if (demoConfig) {
      const upstream = run('upstream', 'demo/upstream/server.mjs', [], {
        UPSTREAM_HOST: host,
        UPSTREAM_PORT: String(ports.upstream),
      });
      const fn = run(
        'fn-hello',
        ENTRIES.functions,
        [join(root, 'demo/functions/hello.mjs'), '--name', 'hello'],
        { FN_OPS_HOST: host, FN_OPS_PORT: String(ports.fnOps) },
      );
      const chatFn = run(
        'fn-chat',
        ENTRIES.functions,
        [join(root, 'demo/functions/chat.mjs'), '--name', 'chat'],
        { FN_OPS_HOST: host, FN_OPS_PORT: String(ports.fnChatOps) },
      );
      await waitForHttp(`http://${host}:${ports.upstream}/health`, {
        timeoutMs: 10_000,
        entry: upstream,
      });
      // Ready once it is subscribed to its NATS subject: the demo's /hello route then answers.
      await waitForHttp(`http://${host}:${ports.fnOps}/readyz`, { timeoutMs: 30_000, entry: fn });
      await waitForHttp(`http://${host}:${ports.fnChatOps}/readyz`, {
        timeoutMs: 30_000,
        entry: chatFn,
      });
    }
    const control = run('control', ENTRIES.control, [], {
      CONTROL_HOST: host,
      CONTROL_PORT: String(ports.control),
      CONTROL_OPS_PORT: String(ports.controlOps),
      PORTICO_CONFIG: configFile,
    });
    await waitForHttp(`http://${host}:${ports.controlOps}/readyz`, {
      timeoutMs: 60_000,
      entry: control,
    });
    // The edge needs them for WebSocket connects and API keys, so they come up first.
    await waitForHttp(`http://${host}:${ports.connectionsOps}/readyz`, {
      timeoutMs: 60_000,
      entry: connections,
    });
    await waitForHttp(`http://${host}:${ports.authOps}/readyz`, { timeoutMs: 60_000, entry: auth });
    await waitForHttp(`http://${host}:${ports.ratelimitOps}/readyz`, {
      timeoutMs: 60_000,
      entry: ratelimit,
    });
    await waitForHttp(`http://${host}:${ports.cacheOps}/readyz`, {
      timeoutMs: 60_000,
      entry: cache,
    });
    const edge = run('edge', ENTRIES.edge, [], {
      EDGE_HOST: env.EDGE_HOST ?? host,
      EDGE_PORT: String(ports.edge),
      EDGE_OPS_PORT: String(ports.edgeOps),
    });
    await waitForHttp(`http://${host}:${ports.edgeOps}/readyz`, { timeoutMs: 60_000, entry: edge });
    if (demoConfig) {
      // control deploys the config file at start; the edge serves the stage once it has loaded it.
      await waitForHttp(`http://${host}:${ports.edge}/restapis/demo/prod/_user_request_/health`, {
        timeoutMs: 20_000,
        entry: edge,
      });
      // The chat API's stage is loaded and the connections service answers the edge.
      await waitForHttp(
        `http://${host}:${ports.edge}/restapis/chat/prod/_user_request_/@connections`,
        { timeoutMs: 20_000, entry: edge },
      );
      printTryLines();
    } else {
      say(
        `Portico is up: gateway http://localhost:${ports.edge}, config ${configFile}. Ctrl-C stops it.`,
      );
    }
  } catch (err) {
    say(`start failed: ${err.message}`);
    await stop(1);
  }
}

main().catch((err) => {
  if (err instanceof InfraError || err instanceof BuildError) fail(err.message);
  fail(err.stack ?? String(err));
});

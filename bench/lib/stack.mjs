// Starts what the bench measures, each as a child process on a free loopback port with its
// output in a log file: the upstream, fast-gateway, nginx (when installed) and Portico (the
// function runners, control deploying the bench config file, one edge, the ratelimit service
// (throttling is on as shipped, for WebSocket messages too), the auth service when a target with
// an API key is selected — each key created and put in a usage plan through the management API —
// and the connections service when a WebSocket scenario is). Returns the targets with the URL and Host
// header to call, and the WebSocket scenarios with the stage to connect to; one whose server
// cannot start is marked failed with the reason, and the others still run.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import WebSocket from 'ws';
import { ENTRIES } from '../../scripts/lib/build.mjs';
import { freePort } from '../../scripts/lib/infra.mjs';
import { waitForHttp } from '../../scripts/lib/processes.mjs';
import { addToUsagePlan, authSecretKey, benchJwt, createApiKey } from './auth.mjs';
import { BODY_BYTES } from './body.mjs';
import {
  FUNCTION_NAME,
  STAGE,
  USAGE_PLANS,
  WS_API,
  WS_FUNCTION_NAME,
  writeBenchConfig,
} from './definitions.mjs';
import { findBinary, nginxVersion, writeNginxConfig } from './nginx.mjs';
import { usageCounted } from './redis-keys.mjs';
import { API_KEY_TARGETS, isPortico, TARGETS, WS_SCENARIOS } from './targets.mjs';

const HOST = '127.0.0.1';
/** Host-style invocation: `{api}.execute-api.{PORTICO_DOMAIN}`, the edge's default domain. */
const DOMAIN = 'localhost';
const NGINX_HINT = 'sudo apt-get install -y nginx';

/** The processes each target needs; when one of them exits, the target has failed. */
const SERVICES = {
  direct: ['upstream'],
  nginx: ['upstream', 'nginx'],
  'fast-gateway': ['upstream', 'fast-gateway'],
  'portico-passthrough': ['upstream', 'control', 'edge', 'ratelimit'],
  'portico-apikey': ['upstream', 'auth', 'control', 'edge', 'ratelimit'],
  'portico-apikey-throttle': ['upstream', 'auth', 'control', 'edge', 'ratelimit'],
  'portico-jwt': ['upstream', 'control', 'edge', 'ratelimit'],
  'portico-function': ['fn-bench', 'control', 'edge', 'ratelimit'],
  'portico-mock': ['control', 'edge', 'ratelimit'],
  'portico-passthrough-10k': ['upstream', 'control', 'edge', 'ratelimit'],
};
/**
 * Every WebSocket scenario needs the same processes (ws-idle its own edge, too); the ratelimit
 * service among them, as in a deployment: the edge throttles every routed message through it.
 */
const WS_SERVICES = ['fn-ws', 'connections', 'control', 'edge', 'ratelimit'];
/** Messages the WebSocket function runner handles at once. */
const WS_FUNCTION_CONCURRENCY = 512;

/** Where each Portico target is served: API and path, called host-style. */
const PORTICO_ROUTES = {
  'portico-passthrough': ['bench', '/passthrough'],
  'portico-apikey': ['bench', '/apikey'],
  'portico-apikey-throttle': ['bench', '/apikey-throttle'],
  'portico-jwt': ['bench', '/jwt'],
  'portico-function': ['bench', '/function'],
  'portico-mock': ['bench', '/mock'],
  'portico-passthrough-10k': ['bench10k', '/passthrough'],
};

/** Whether a started process has exited. */
const exited = (entry) => entry.child.exitCode !== null || entry.child.signalCode !== null;

/** Polls a route with a Host header until it answers 200 with the bench body. */
async function waitForRoute(target, { timeoutMs, entry }) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exited(entry)) {
      throw new Error(`${entry.name} exited before ${target.name} answered`);
    }
    try {
      const res = await request(target.url, { headers: { ...target.headers, host: target.host } });
      const body = Buffer.from(await res.body.arrayBuffer());
      if (res.statusCode === 200 && body.equals(BODY_BYTES)) return;
      last = `status ${res.statusCode}: ${body.toString('utf8', 0, 120)}`;
    } catch (err) {
      last = err.code ?? err.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${target.name} (${target.url}, Host ${target.host}) did not answer 200 with the bench body within ${timeoutMs} ms (last: ${last})`,
  );
}

/**
 * Throws unless `target` refuses a request without its credentials (API Gateway's 403 for a
 * missing API key, 401 for a missing token): otherwise it would measure an unprotected route.
 */
async function checkProtected(target) {
  const res = await request(target.url, { headers: { host: target.host } });
  const text = await res.body.text();
  if (res.statusCode !== 401 && res.statusCode !== 403) {
    throw new Error(
      `${target.name} answered ${res.statusCode} without its credentials, not 401 or 403: ${text.slice(0, 120)}`,
    );
  }
}

/**
 * Connects to the WebSocket stage and asks `whoami` until the edge answers with a connection id:
 * the stage is deployed and the function runner and the connections service both answer.
 */
async function waitForWebSocket({ url, host }, { timeoutMs, entry }) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exited(entry)) {
      throw new Error(`${entry.name} exited before the WebSocket stage answered`);
    }
    try {
      return await whoami(url, host);
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `the WebSocket stage (${url}, Host ${host}) did not answer whoami within ${timeoutMs} ms (last: ${last})`,
  );
}

function whoami(url, host) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: { host }, handshakeTimeout: 5_000 });
    const timer = setTimeout(() => fail(new Error('no answer to whoami')), 5_000);
    const fail = (err) => {
      clearTimeout(timer);
      socket.terminate();
      reject(err);
    };
    socket.once('unexpected-response', (_req, res) => fail(new Error(`status ${res.statusCode}`)));
    socket.once('error', (err) => fail(new Error(err.code ?? err.message)));
    socket.once('open', () => socket.send('{"action":"whoami"}'));
    socket.once('message', (data) => {
      clearTimeout(timer);
      socket.close();
      resolve(data.toString());
    });
  });
}

/** When control logged that it deployed the config file, in ms since the epoch. */
function deployedAt(logFile) {
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"config file deployed"')) continue;
    try {
      return Date.parse(JSON.parse(line).time);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** One value of each metric an ops endpoint's /metrics exposes, whatever its labels. */
async function metricsOf(opsUrl) {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  return (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1]);
}

/** CPU seconds the process behind an ops endpoint has used (user + system). */
export async function cpuSecondsOf(opsUrl) {
  return (await metricsOf(opsUrl))('process_cpu_seconds_total');
}

/** The edge's memory and WebSocket connections now, from its /metrics. */
export async function memoryOf(opsUrl) {
  const value = await metricsOf(opsUrl);
  return {
    rssBytes: value('process_resident_memory_bytes'),
    heapUsedBytes: value('nodejs_heap_size_used_bytes'),
    webSocketConnections: value('portico_websocket_connections'),
  };
}

/**
 * Starts every service the selected targets need. `group` is the ProcessGroup; `say` prints a
 * progress line. Resolves with { targets, scenarios, webSocket, startup, nginx } (webSocket:
 * where the WebSocket scenarios connect; nginx: its version, if it ran).
 */
export async function startStack({
  root,
  workDir,
  group,
  infra,
  redisKeyPrefix,
  selected,
  logLevel,
  shutdownMs,
  env,
  say,
}) {
  const logs = join(workDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const targets = TARGETS.map((name) => ({
    name,
    status: selected.has(name) ? 'pending' : 'skipped',
    reason: selected.has(name) ? undefined : 'not selected (--only)',
    services: SERVICES[name],
  }));
  const scenarios = WS_SCENARIOS.map((name) => ({
    name,
    status: selected.has(name) ? 'pending' : 'skipped',
    reason: selected.has(name) ? undefined : 'not selected (--only)',
    services: name === 'ws-idle' ? [...WS_SERVICES, 'edge-idle'] : WS_SERVICES,
  }));
  const byName = (name) => [...targets, ...scenarios].find((t) => t.name === name);
  const pending = (names) => names.map(byName).filter((t) => t.status === 'pending');
  const startup = {};
  const result = { targets, scenarios, webSocket: undefined, startup, nginx: undefined };
  const webSocket = pending(WS_SCENARIOS).length > 0;
  const run = (name, command, args, extraEnv = {}) =>
    group.start(name, command, args, {
      cwd: root,
      env: { ...env, ...extraEnv },
      logFile: join(logs, `${name}.log`),
    });
  const node = (name, script, args, extraEnv) =>
    run(name, process.execPath, [join(root, script), ...args], extraEnv);
  const ready = (name, port, path, host = `${HOST}:${port}`) =>
    Object.assign(byName(name), { status: 'ready', url: `http://${HOST}:${port}${path}`, host });
  /** Runs `start`; if it throws, the targets it serves are failed with the reason. */
  const attempt = async (label, names, start) => {
    if (pending(names).length === 0) return;
    try {
      await start();
    } catch (err) {
      say(`${label}: failed to start — ${err.message} (logs: ${logs})`);
      for (const t of pending(names))
        Object.assign(t, { status: 'failed', reason: `did not start: ${err.message}` });
    }
  };

  // The upstream is every other target's backend: without it there is nothing to measure.
  const upstreamPort = await freePort();
  const upstream = node('upstream', 'bench/servers/upstream.mjs', [String(upstreamPort)]);
  await waitForHttp(`http://${HOST}:${upstreamPort}/data`, { timeoutMs: 10_000, entry: upstream });
  const upstreamOrigin = `http://${HOST}:${upstreamPort}`;
  ready('direct', upstreamPort, '/data');

  await attempt('fast-gateway', ['fast-gateway'], async () => {
    const port = await freePort();
    const entry = node('fast-gateway', 'bench/servers/fast-gateway.mjs', [
      String(port),
      upstreamOrigin,
    ]);
    await waitForHttp(`http://${HOST}:${port}/passthrough`, { timeoutMs: 10_000, entry });
    ready('fast-gateway', port, '/passthrough');
  });

  const nginx = byName('nginx');
  const nginxBin = nginx.status === 'pending' ? findBinary('nginx') : undefined;
  if (nginx.status === 'pending' && !nginxBin) {
    Object.assign(nginx, { status: 'skipped', reason: `not installed (${NGINX_HINT})` });
    say(`nginx: skipped — not installed (${NGINX_HINT})`);
  }
  await attempt('nginx', ['nginx'], async () => {
    const port = await freePort();
    const dir = join(workDir, 'nginx');
    mkdirSync(dir, { recursive: true });
    result.nginx = nginxVersion(nginxBin);
    const entry = run('nginx', nginxBin, writeNginxConfig(dir, { port, upstreamPort }));
    await waitForHttp(`http://${HOST}:${port}/passthrough`, { timeoutMs: 10_000, entry });
    ready('nginx', port, '/passthrough');
  });

  await attempt('portico', [...TARGETS.filter(isPortico), ...WS_SCENARIOS], async () => {
    const configDir = join(workDir, 'config');
    mkdirSync(configDir, { recursive: true });
    // The JWT authorizer's key pair is this run's own; its public half goes into the API.
    const jwt = await benchJwt();
    const config = writeBenchConfig(configDir, { upstream: upstreamOrigin, jwt });
    startup.apis = config.apis;
    const [
      control,
      controlOps,
      edge,
      edgeOps,
      fnOps,
      fnWsOps,
      connectionsOps,
      idle,
      idleOps,
      authOps,
      ratelimitOps,
    ] = await Promise.all(Array.from({ length: 11 }, () => freePort()));
    // The variables scripts/start.mjs sets, plus a key prefix of this run's own and the domain
    // the Host headers below are built on (whatever PORTICO_DOMAIN the shell has).
    const common = {
      PORTICO_DOMAIN: DOMAIN,
      NATS_URL: infra.nats.url,
      REDIS_URL: infra.redis.url,
      REDIS_KEY_PREFIX: redisKeyPrefix,
      LOG_LEVEL: logLevel,
      OPS_HOST: HOST,
      SHUTDOWN_TIMEOUT_MS: String(shutdownMs),
    };
    const fnEntry = node(
      'fn-bench',
      ENTRIES.functions,
      [join(root, 'bench/functions/bench.mjs'), '--name', FUNCTION_NAME],
      {
        ...common,
        FN_OPS_HOST: HOST,
        FN_OPS_PORT: String(fnOps),
      },
    );
    const started = [
      waitForHttp(`http://${HOST}:${fnOps}/readyz`, { timeoutMs: 30_000, entry: fnEntry }),
    ];
    if (webSocket) {
      const fnWs = node(
        'fn-ws',
        ENTRIES.functions,
        // The echo handler does no work: the runner's default of 32 at once would shed
        // messages whenever a stall lets more than 32 pile up at 5,000 msg/s.
        [
          join(root, 'bench/functions/websocket.mjs'),
          '--name',
          WS_FUNCTION_NAME,
          '--concurrency',
          String(WS_FUNCTION_CONCURRENCY),
        ],
        { ...common, FN_OPS_HOST: HOST, FN_OPS_PORT: String(fnWsOps) },
      );
      const connections = node('connections', ENTRIES.connections, [], {
        ...common,
        CONNECTIONS_OPS_PORT: String(connectionsOps),
      });
      started.push(
        waitForHttp(`http://${HOST}:${fnWsOps}/readyz`, { timeoutMs: 30_000, entry: fnWs }),
        waitForHttp(`http://${HOST}:${connectionsOps}/readyz`, {
          timeoutMs: 30_000,
          entry: connections,
        }),
      );
    }
    const apiKeys = pending(API_KEY_TARGETS).length > 0;
    if (apiKeys) {
      // API keys live in the auth service; a secret of this run's own, as production needs one.
      const auth = node('auth', ENTRIES.auth, [], {
        ...common,
        AUTH_OPS_PORT: String(authOps),
        AUTH_SECRET_KEY: authSecretKey(),
      });
      started.push(
        waitForHttp(`http://${HOST}:${authOps}/readyz`, { timeoutMs: 30_000, entry: auth }),
      );
    }
    if (webSocket || pending(Object.keys(PORTICO_ROUTES)).length > 0) {
      // Throttling is on as shipped (the account bucket at least, for REST requests and
      // WebSocket messages alike): the edge leases its tokens from the ratelimit service, as in
      // production.
      const ratelimit = node('ratelimit', ENTRIES.ratelimit, [], {
        ...common,
        RATELIMIT_OPS_PORT: String(ratelimitOps),
      });
      started.push(
        waitForHttp(`http://${HOST}:${ratelimitOps}/readyz`, {
          timeoutMs: 30_000,
          entry: ratelimit,
        }),
      );
    }
    const controlStarted = Date.now();
    const controlEntry = node('control', ENTRIES.control, [], {
      ...common,
      CONTROL_HOST: HOST,
      CONTROL_PORT: String(control),
      CONTROL_OPS_PORT: String(controlOps),
      PORTICO_CONFIG: config.file,
    });
    // control deploys the config file before it reports ready, so the edge finds the stages.
    await Promise.all([
      ...started,
      waitForHttp(`http://${HOST}:${controlOps}/readyz`, {
        timeoutMs: 120_000,
        entry: controlEntry,
      }),
    ]);
    startup.controlReadyMs = Date.now() - controlStarted;
    // Services write their log in batches (every 200 ms): the line may follow readiness a little.
    let deployed = deployedAt(controlEntry.logFile);
    for (let i = 0; deployed === undefined && i < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      deployed = deployedAt(controlEntry.logFile);
    }
    startup.controlDeployedMs = deployed === undefined ? undefined : deployed - controlStarted;
    const edgeStarted = Date.now();
    const edgeEntry = node('edge', ENTRIES.edge, [], {
      ...common,
      EDGE_HOST: HOST,
      EDGE_PORT: String(edge),
      EDGE_OPS_PORT: String(edgeOps),
      // Throttled but never refused: the account bucket well above what one machine can send
      // (the shipped 10,000 req/s would answer 429 on a fast one), so the bench measures what
      // throttling costs — leases of 1,000 tokens from the ratelimit service — not its refusals.
      THROTTLE_ACCOUNT_RATE: '1000000',
      THROTTLE_ACCOUNT_BURST: '100000',
    });
    await waitForHttp(`http://${HOST}:${edgeOps}/readyz`, { timeoutMs: 60_000, entry: edgeEntry });
    startup.edgeReadyMs = Date.now() - edgeStarted;
    // The credentials each request carries: a key per API-key target, created and put in its
    // usage plan as a user does, and one token.
    const headers = { 'portico-jwt': { authorization: `Bearer ${jwt.token}` } };
    const plans = {};
    for (const t of pending(API_KEY_TARGETS)) {
      try {
        const controlUrl = `http://${HOST}:${control}`;
        const key = await createApiKey(controlUrl, `portico-bench ${t.name}`);
        const planId = await addToUsagePlan(controlUrl, key.id, USAGE_PLANS[t.name]);
        plans[t.name] = { planId, keyId: key.id };
        headers[t.name] = { 'x-api-key': key.value };
      } catch (err) {
        say(`${t.name}: failed to set up its API key — ${err.message} (logs: ${logs})`);
        Object.assign(t, { status: 'failed', reason: `no API key: ${err.message}` });
      }
    }
    /** Throws unless the requests with this target's key count against its plan's quota. */
    const checkQuotaCounted = async (t) => {
      const plan = plans[t.name];
      if (!plan || !USAGE_PLANS[t.name].quota) return;
      const used = await usageCounted(infra.redis.url, redisKeyPrefix, plan.planId, plan.keyId);
      if (!(used > 0)) {
        throw new Error(
          `its requests were admitted but not counted against its usage plan's quota (no usage recorded)`,
        );
      }
    };
    for (const t of pending(Object.keys(PORTICO_ROUTES))) {
      const [api, path] = PORTICO_ROUTES[t.name];
      Object.assign(t, {
        url: `http://${HOST}:${edge}/${STAGE}${path}`,
        host: `${api}.execute-api.${DOMAIN}`,
        headers: headers[t.name],
        // The edge's own CPU per request is read from here around every closed run.
        opsUrl: `http://${HOST}:${edgeOps}`,
      });
      try {
        // A target that never answers 200 (a key its plan does not admit: 403; a limit too low:
        // 429) fails alone; the others are still measured.
        await waitForRoute(t, { timeoutMs: 60_000, entry: edgeEntry });
        if (t.headers) await checkProtected(t);
        await checkQuotaCounted(t);
      } catch (err) {
        if (exited(edgeEntry)) throw err;
        say(`${t.name}: failed — ${err.message}`);
        Object.assign(t, { status: 'failed', reason: err.message });
        continue;
      }
      t.status = 'ready';
    }
    if (webSocket) {
      result.webSocket = {
        url: `ws://${HOST}:${edge}/${STAGE}`,
        httpUrl: `http://${HOST}:${edge}/${STAGE}`,
        host: `${WS_API}.execute-api.${DOMAIN}`,
        opsUrl: `http://${HOST}:${edgeOps}`,
      };
      await waitForWebSocket(result.webSocket, { timeoutMs: 60_000, entry: edgeEntry });
      if (byName('ws-idle').status === 'pending') {
        // Idle connections go to an edge of their own: one that served the HTTP targets has a
        // heap full of garbage, and collecting it while the connections open hides their cost.
        const idleEntry = node('edge-idle', ENTRIES.edge, [], {
          ...common,
          EDGE_HOST: HOST,
          EDGE_PORT: String(idle),
          EDGE_OPS_PORT: String(idleOps),
        });
        await waitForHttp(`http://${HOST}:${idleOps}/readyz`, {
          timeoutMs: 60_000,
          entry: idleEntry,
        });
        result.webSocket.idle = {
          url: `ws://${HOST}:${idle}/${STAGE}`,
          opsUrl: `http://${HOST}:${idleOps}`,
        };
        await waitForWebSocket(
          { url: result.webSocket.idle.url, host: result.webSocket.host },
          { timeoutMs: 60_000, entry: idleEntry },
        );
      }
      for (const s of pending(WS_SCENARIOS)) s.status = 'ready';
    }
    startup.edgeServingMs = Date.now() - edgeStarted;
    startup.edgeMemory = await memoryOf(`http://${HOST}:${edgeOps}`);
  });
  return result;
}

/**
 * Marks the targets and scenarios that need the service `name` as failed; true when nothing can
 * run.
 */
export function serviceExited(targets, name) {
  for (const t of targets) {
    if (t.status === 'ready' && t.services.includes(name)) {
      Object.assign(t, { status: 'failed', reason: `${name} exited during the run` });
    }
  }
  return name === 'upstream';
}

// The WebSocket scenarios, run against the `benchws` API after the HTTP targets, each from the
// load worker's own clients (ws-fleet.mjs):
//   ws-echo     message → route → function → route response: the closed-model peak with a fixed
//               number of clients, then the open model at the BRIEF's rate and at half the peak
//   ws-post     POST @connections/{id} to connections held by the edge (edge → connections
//               service → the edge that holds the socket), closed model, every push counted
//   ws-channel  POST @channels/{topic} to a channel every member of which must get each message
//   ws-idle     as many idle connections as the open-files limit allows, held by an edge that
//               serves nothing else, and that edge's memory per connection
import { readFileSync } from 'node:fs';
import { count, kib, ms } from './format.mjs';
import { STAGE } from './definitions.mjs';
import { memoryOf } from './stack.mjs';
import { OPEN_LOAD } from './summary.mjs';

/** The payload posted to connections and channels; every receiver checks it arrived intact. */
export const PUSH = '{"bench":"push"}';
const CHANNEL = 'bench';
/** Clients publishing to the channel at once (each publish is `members` deliveries). */
const PUBLISHERS = 4;
/** Handshakes in flight at once while a fleet opens. */
const HANDSHAKES = 200;
/** Source addresses: one 127.0.0.x has ~28,000 ephemeral ports towards one listener. */
const PER_SOURCE = 25_000;
/** File descriptors left for everything else each process holds (NATS, Redis, logs, HTTP). */
const FD_HEADROOM = 2_000;
/** How long pushes, closes and the edge's connection count may take to settle. */
const SETTLE_MS = 30_000;

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The soft limit on open files this process has, which the edge and the load worker inherit:
 * each holds one descriptor per connection. Undefined where /proc does not say.
 */
export function openFilesLimit() {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes; resolves with whether it did. */
async function until(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await wait(100);
  }
  return false;
}

/** Throws when a fleet did not open whole: every scenario needs all its clients. */
function assertOpened(label, opened) {
  if (opened.failed === 0) return;
  const reasons = Object.entries(opened.failures)
    .map(([reason, n]) => `${count(n)} × ${reason}`)
    .join(', ');
  throw new Error(
    `${label}: ${count(opened.failed)} of ${count(opened.requested)} handshakes failed (${reasons})`,
  );
}

/**
 * Waits until a fleet has received `expected` messages (or the settle time passes); resolves
 * with its counts.
 */
async function delivered(load, name, expected) {
  let counts;
  await until(async () => {
    counts = await load.run('fleet-counts', { name });
    return counts.received >= expected;
  }, SETTLE_MS);
  return counts;
}

/**
 * The answers of a closed POST run that were 2xx with the expected body (autocannon counts a
 * non-2xx answer with another body in both non2xx and mismatches, so they are not subtracted).
 */
const okOf = (run) => {
  const ok = Object.entries(run.statusCodes ?? {})
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, n]) => sum + n, 0);
  return Math.max(0, ok - run.mismatches);
};

/**
 * Runs the selected scenarios; a scenario that throws is marked failed with the reason and the
 * others still run. Resolves with each scenario's measurements by name.
 */
export async function runWebSocketProcedure({
  load,
  ws,
  scenarios,
  plan,
  wsPlan,
  say,
  checkFatal,
}) {
  const results = {};
  const origin = new URL(ws.httpUrl).origin;
  /**
   * Opens the fleet `name` (all of it, or throws), runs `use(opened)` and closes the fleet
   * whatever happened; resolves with use's result and the clients the edge closed meanwhile.
   */
  const withFleet = async (name, { url = ws.url, size, sources = ['127.0.0.1'] }, use) => {
    let opened;
    try {
      opened = await load.run('fleet-open', {
        name,
        url,
        host: ws.host,
        count: size,
        concurrency: HANDSHAKES,
        sources,
      });
    } catch (err) {
      // Whatever did open stays with the worker otherwise.
      await load.run('fleet-close', { name, timeoutMs: SETTLE_MS }).catch(() => {});
      throw err;
    }
    let closing;
    try {
      assertOpened(name, opened);
      const result = await use(opened);
      closing = await load.run('fleet-close', { name, timeoutMs: SETTLE_MS });
      return { ...result, closedEarly: closing.closedEarly };
    } finally {
      if (!closing) await load.run('fleet-close', { name, timeoutMs: SETTLE_MS }).catch(() => {});
    }
  };
  const post = (path, connections, paths, expectBody) =>
    load.run('post', {
      url: `${origin}${path}`,
      host: ws.host,
      connections,
      durationS: plan.runS,
      method: 'POST',
      body: PUSH,
      paths,
      expectBody,
    });

  const scenarioRuns = {
    'ws-echo': () =>
      withFleet('echo', { size: wsPlan.echoClients }, async () => {
        await load.run('echo-closed', { name: 'echo', durationS: plan.warmupS });
        const closed = await load.run('echo-closed', { name: 'echo', durationS: plan.runS });
        say(
          `ws-echo · ${wsPlan.echoClients} clients, closed model · ${count(closed.rps)} msg/s · ` +
            `p99 ${ms(closed.latencyMs.p99)} ms`,
        );
        const open = [];
        for (const [label, rate] of [
          ['goal rate', wsPlan.echoRate],
          [`${OPEN_LOAD * 100}% of peak`, Math.max(1, Math.round(OPEN_LOAD * closed.rps))],
        ]) {
          const run = await load.run('echo-open', { name: 'echo', rate, durationS: plan.openS });
          open.push({ label, ...run });
          say(
            `ws-echo · open at ${count(rate)} msg/s (${label}) · achieved ` +
              `${count(run.achievedRate)} · p50 ${ms(run.latencyMs.p50)} ms · ` +
              `p99 ${ms(run.latencyMs.p99)} ms`,
          );
        }
        return { clients: wsPlan.echoClients, closed, open };
      }),

    'ws-post': () =>
      withFleet('receivers', { size: wsPlan.receivers }, async () => {
        const { ids } = await load.run('fleet-identify', { name: 'receivers', expect: PUSH });
        const paths = ids.map((id) => `/${STAGE}/@connections/${encodeURIComponent(id)}`);
        const run = await post(paths[0], plan.connections, paths);
        const ok = okOf(run);
        const counts = await delivered(load, 'receivers', ok);
        say(
          `ws-post · ${count(run.rps)} posts/s to ${ids.length} connections · p99 ` +
            `${ms(run.latencyMs.p99)} ms · ${count(counts.received)} of ${count(ok)} delivered`,
        );
        return {
          receivers: ids.length,
          ...run,
          ok,
          expected: ok,
          delivered: counts.received,
          corrupted: counts.unexpected,
        };
      }),

    'ws-channel': () =>
      withFleet('members', { url: `${ws.url}?join=${CHANNEL}`, size: wsPlan.members }, async () => {
        // Whoami first: every member is live, and only pushes count from here on.
        await load.run('fleet-identify', { name: 'members', expect: PUSH });
        const recipients = JSON.stringify({ recipients: wsPlan.members });
        const run = await post(`/${STAGE}/@channels/${CHANNEL}`, PUBLISHERS, undefined, recipients);
        const ok = okOf(run);
        const expected = ok * wsPlan.members;
        const counts = await delivered(load, 'members', expected);
        const deliveriesPerS = counts.received / run.durationS;
        say(
          `ws-channel · ${count(run.rps)} publishes/s to ${wsPlan.members} members = ` +
            `${count(deliveriesPerS)} deliveries/s · p99 ${ms(run.latencyMs.p99)} ms · ` +
            `${count(counts.received)} of ${count(expected)} delivered`,
        );
        return {
          members: wsPlan.members,
          publishers: PUBLISHERS,
          ...run,
          ok,
          expected,
          delivered: counts.received,
          deliveriesPerS,
          corrupted: counts.unexpected,
        };
      }),

    'ws-idle': async () => {
      const limit = openFilesLimit();
      const cap = limit === undefined ? Infinity : limit - FD_HEADROOM;
      const size = Math.max(1, Math.min(wsPlan.idleConnections, cap));
      if (size < wsPlan.idleConnections) {
        say(
          `ws-idle · ${count(size)} connections, not ${count(wsPlan.idleConnections)}: the ` +
            `open-files limit is ${count(limit)} per process (ulimit -n)`,
        );
      }
      const sources = Array.from(
        { length: Math.ceil(size / PER_SOURCE) },
        (_, i) => `127.0.0.${i + 1}`,
      );
      const { url, opsUrl } = ws.idle;
      const connectionsNow = async () => (await memoryOf(opsUrl)).webSocketConnections;
      const before = await memoryOf(opsUrl);
      const held = await withFleet('idle', { url, size, sources }, async (opened) => {
        await until(
          async () => (await connectionsNow()) >= before.webSocketConnections + opened.opened,
          SETTLE_MS,
        );
        // Let the handshakes' garbage go before memory is read.
        await wait(2_000);
        return { ...opened, after: await memoryOf(opsUrl) };
      });
      const closedAt = Date.now();
      const drained = await until(
        async () => (await connectionsNow()) <= before.webSocketConnections,
        SETTLE_MS,
      );
      const { after } = held;
      const perConnection = (key) => (after[key] - before[key]) / Math.max(1, held.opened);
      const result = {
        ...held,
        attempted: size,
        requested: wsPlan.idleConnections,
        openFilesLimit: limit,
        sources: sources.length,
        held: after.webSocketConnections - before.webSocketConnections,
        before,
        rssPerConnection: perConnection('rssBytes'),
        heapPerConnection: perConnection('heapUsedBytes'),
        drainedS: drained ? (Date.now() - closedAt) / 1000 : undefined,
      };
      say(
        `ws-idle · ${count(result.held)} connections held (opened at ${count(held.perSecond)}/s) · ` +
          `RSS ${kib(result.rssPerConnection)} KB and heap ${kib(result.heapPerConnection)} KB ` +
          'per connection',
      );
      return result;
    },
  };

  for (const scenario of scenarios) {
    if (scenario.status !== 'ready') continue;
    checkFatal();
    try {
      results[scenario.name] = await scenarioRuns[scenario.name]();
    } catch (err) {
      Object.assign(scenario, { status: 'failed', reason: err.message });
      say(`${scenario.name}: failed — ${err.message}`);
    }
  }
  return results;
}

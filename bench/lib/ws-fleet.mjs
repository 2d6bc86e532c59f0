// WebSocket clients for the bench, held by the load worker between commands: a fleet is opened
// once (idle connections, echo senders, @connections receivers, channel members), used by one
// or more measurements, and closed. Every reply and push a client receives is counted and
// checked here, so a lost or wrong message shows as an error in the report.
import WebSocket from 'ws';
import { latencyHistogram, percentilesMs, recordMs } from './histogram.mjs';

/** The fleets open now, by name. */
const fleets = new Map();
/**
 * Echo sequence numbers, never reused in this process: a late reply from an earlier run cannot
 * pass for one of the current run.
 */
let nextSeq = 0;

/** The echo route's message for sequence number `seq`; the function answers with it unchanged. */
const echoMessage = (seq) => `{"action":"echo","seq":${seq}}`;
const SEQ = /^\{"action":"echo","seq":(\d+)\}$/;

function fleetNamed(name) {
  const fleet = fleets.get(name);
  if (!fleet) throw new Error(`no open fleet ${name}`);
  return fleet;
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts reasons: { 'status 500': 3, ECONNRESET: 1 }. */
function tally(counts, reason) {
  counts[reason] = (counts[reason] ?? 0) + 1;
}

/** Opens one client; resolves with the socket, or rejects with a short reason. */
function connect(url, { host, localAddress, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, {
      headers: { host },
      localAddress,
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
    });
    socket.once('open', () => {
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      socket.terminate();
      reject(new Error(`status ${res.statusCode}`));
    });
    socket.once('error', (err) => reject(new Error(err.code ?? err.message)));
  });
}

/**
 * Opens `count` clients to `url` (with `query` appended), `concurrency` handshakes at a time,
 * spreading their source addresses over `sources` (127.0.0.x: one address has only ~28,000
 * ephemeral ports towards one listener). Resolves with what opened, what failed and why, and
 * the handshake latency.
 */
export async function openFleet({ name, url, host, count, concurrency, sources, timeoutMs }) {
  if (fleets.has(name)) throw new Error(`fleet ${name} is already open`);
  const fleet = {
    sockets: [],
    received: 0,
    unexpected: 0,
    closedEarly: 0,
    closing: false,
    onMessage: undefined,
  };
  fleets.set(name, fleet);
  const handshake = latencyHistogram();
  const failures = {};
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const begun = performance.now();
      try {
        // One source: the kernel picks the port at connect(), which stays cheap. An explicit
        // address binds first, and bind() searches the ports in use: it slows as the fleet grows.
        const socket = await connect(url, {
          host,
          localAddress: sources.length > 1 ? sources[index % sources.length] : undefined,
          timeoutMs,
        });
        recordMs(handshake, performance.now() - begun);
        socket.on('message', (data) => {
          fleet.received += 1;
          if (fleet.onMessage) fleet.onMessage(socket, data);
        });
        socket.once('close', () => {
          if (!fleet.closing) fleet.closedEarly += 1;
        });
        fleet.sockets.push(socket);
      } catch (err) {
        tally(failures, err.message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const elapsedS = (performance.now() - started) / 1000;
  return {
    requested: count,
    opened: fleet.sockets.length,
    failed: count - fleet.sockets.length,
    failures,
    elapsedS,
    perSecond: fleet.sockets.length / elapsedS,
    handshakeMs: percentilesMs(handshake),
  };
}

/** Closes every client of the fleet and forgets it; resolves once all have closed. */
export async function closeFleet({ name, timeoutMs }) {
  const fleet = fleetNamed(name);
  fleet.closing = true;
  const open = fleet.sockets.filter((s) => s.readyState !== WebSocket.CLOSED);
  const closed = Promise.all(
    open.map((s) => new Promise((resolve) => s.once('close', resolve))),
  ).then(() => true);
  for (const socket of open) socket.close(1000);
  const done = await Promise.race([closed, wait(timeoutMs).then(() => false)]);
  if (!done) for (const socket of fleet.sockets) socket.terminate();
  fleets.delete(name);
  return { closed: open.length, closedEarly: fleet.closedEarly, forced: !done };
}

/** Messages received by the fleet since it opened (or was identified), and clients lost. */
export function fleetCounts({ name }) {
  const fleet = fleetNamed(name);
  const counts = {
    received: fleet.received,
    unexpected: fleet.unexpected,
    closedEarly: fleet.closedEarly,
  };
  return counts;
}

/**
 * Asks every client its connection id (the `whoami` route); resolves with the ids in fleet
 * order. Pushes received later are counted and checked against `expect` (a string), if given.
 */
export async function identifyFleet({ name, expect, timeoutMs }) {
  const fleet = fleetNamed(name);
  const waiting = new Map();
  fleet.onMessage = (socket, data) => {
    const resolve = waiting.get(socket);
    if (resolve) {
      waiting.delete(socket);
      resolve(data.toString());
    }
  };
  const ids = await Promise.all(
    fleet.sockets.map(
      (socket) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('whoami: no answer')), timeoutMs);
          waiting.set(socket, (id) => {
            clearTimeout(timer);
            resolve(id);
          });
          socket.send('{"action":"whoami"}');
        }),
    ),
  );
  fleet.received = 0;
  fleet.onMessage = (_socket, data) => {
    if (expect !== undefined && data.toString() !== expect) fleet.unexpected += 1;
  };
  return { ids };
}

/**
 * Routes the fleet's replies: one that echoes an outstanding sequence number in `outstanding`
 * (seq → time) is taken off it and handed to `onReply(socket, time)`; any other counts as
 * unexpected.
 */
function onEchoes(fleet, outstanding, onReply) {
  fleet.onMessage = (socket, data) => {
    const n = Number(SEQ.exec(data.toString())?.[1]);
    const at = outstanding.get(n);
    if (at === undefined) {
      fleet.unexpected += 1;
      return;
    }
    outstanding.delete(n);
    onReply(socket, at);
  };
}

/**
 * The closed model for messages: every client sends its next echo when the previous reply
 * arrives, for `durationS`. Resolves with the message rate and the round-trip latency.
 */
export function echoClosed({ name, durationS, timeoutMs }) {
  const fleet = fleetNamed(name);
  fleet.unexpected = 0;
  const latency = latencyHistogram();
  const sentAt = new Map();
  let completed = 0;
  let stopping = false;
  const send = (socket) => {
    const n = nextSeq++;
    sentAt.set(n, performance.now());
    socket.send(echoMessage(n));
  };
  onEchoes(fleet, sentAt, (socket, at) => {
    completed += 1;
    recordMs(latency, performance.now() - at);
    if (!stopping) send(socket);
  });
  const started = performance.now();
  for (const socket of fleet.sockets) send(socket);
  return new Promise((resolve) => {
    setTimeout(async () => {
      stopping = true;
      const elapsedS = (performance.now() - started) / 1000;
      const rate = completed / elapsedS;
      await drain(sentAt, timeoutMs);
      resolve({
        messages: completed,
        rps: rate,
        durationS: elapsedS,
        timeouts: sentAt.size,
        mismatches: fleet.unexpected,
        latencyMs: percentilesMs(latency),
      });
    }, durationS * 1000);
  });
}

/** Waits until every message in `outstanding` has been answered, or `timeoutMs` has passed. */
async function drain(outstanding, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  while (outstanding.size > 0 && performance.now() < deadline) await wait(10);
}

/**
 * The open model for messages: echoes sent at `rate` per second over the whole fleet (round
 * robin), each timed from its *scheduled* send to its reply, as open-loop.mjs does for HTTP.
 */
export async function echoOpen({ name, rate, durationS, timeoutMs }) {
  const fleet = fleetNamed(name);
  fleet.unexpected = 0;
  const latency = latencyHistogram();
  const lag = latencyHistogram();
  const scheduledAt = new Map();
  let completed = 0;
  let lastEnd = 0;
  onEchoes(fleet, scheduledAt, (_socket, at) => {
    completed += 1;
    lastEnd = performance.now();
    recordMs(latency, lastEnd - at);
  });
  const intervalMs = 1000 / rate;
  const total = Math.max(1, Math.round(rate * durationS));
  const { sockets } = fleet;
  const first = nextSeq;
  nextSeq += total;
  let sent = 0;
  const start = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) {
        const scheduled = start + sent * intervalMs;
        recordMs(lag, now - scheduled);
        scheduledAt.set(first + sent, scheduled);
        sockets[sent % sockets.length].send(echoMessage(first + sent));
        sent += 1;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
      return undefined;
    };
    tick();
  });
  await drain(scheduledAt, timeoutMs);
  const elapsedS = Math.max(durationS, (lastEnd - start) / 1000);
  return {
    sent,
    messages: completed,
    offeredRate: rate,
    achievedRate: completed / elapsedS,
    timeouts: scheduledAt.size,
    mismatches: fleet.unexpected,
    latencyMs: percentilesMs(latency),
    sendLagMs: percentilesMs(lag),
  };
}

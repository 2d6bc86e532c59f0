// The load generator, in a process of its own (forked by load-client.mjs) so that generating
// load never shares an event loop with the orchestration. Commanded over IPC, one run at a time:
//   { id, kind, options } → { id, result } or { id, error }
// kinds: 'closed' and 'open' (HTTP GETs of the bench body), 'post' (closed-model POSTs, for
// @connections and @channels), and the WebSocket fleets of ws-fleet.mjs.
import autocannon from 'autocannon';
import { BODY, BODY_BYTES } from './body.mjs';
import { latencyHistogram, percentilesMs, recordMs } from './histogram.mjs';
import { openRun } from './open-loop.mjs';
import {
  closeFleet,
  echoClosed,
  echoOpen,
  fleetCounts,
  identifyFleet,
  openFleet,
} from './ws-fleet.mjs';

const TIMEOUT_S = 10;

/**
 * The closed model (saturation): autocannon with a fixed number of connections, each sending
 * its next request when the last answer arrives. autocannon's own histogram keeps whole
 * milliseconds, so latencies are recorded here from its per-response event in microseconds.
 * GETs of `url` by default; with `method`, `body` and `paths`, each request goes to the next of
 * `paths` in turn. `expectBody` (if given) is the body every answer must have. `headers` (an
 * API key, a token) go with every request.
 */
function closedRun({
  url,
  host,
  headers,
  connections,
  durationS,
  method,
  body,
  paths,
  expectBody,
}) {
  return new Promise((resolve, reject) => {
    const latency = latencyHistogram();
    let next = 0;
    const options = {
      url,
      connections,
      pipelining: 1,
      duration: durationS,
      timeout: TIMEOUT_S,
      headers: { ...headers, host },
    };
    // autocannon takes an option given as undefined for a value, so only set ones are passed.
    if (expectBody !== undefined) options.expectBody = expectBody;
    if (method !== undefined) Object.assign(options, { method, body });
    if (paths?.length) {
      const setupRequest = (req) => ({ ...req, path: paths[next++ % paths.length] });
      options.requests = [{ method, body, setupRequest }];
    }
    const instance = autocannon(options, (err, result) => {
      if (err) return reject(err);
      const completed = result.requests.total;
      return resolve({
        requests: completed,
        durationS: result.duration,
        rps: completed / result.duration,
        // autocannon counts a timeout as an error too; here they are kept apart.
        errors: result.errors - result.timeouts,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        mismatches: result.mismatches,
        statusCodes: Object.fromEntries(
          Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
        ),
        latencyMs: percentilesMs(latency),
      });
    });
    instance.on('response', (_client, _status, _bytes, responseTimeMs) =>
      recordMs(latency, responseTimeMs),
    );
  });
}

const COMMANDS = {
  closed: (options) => closedRun({ ...options, expectBody: BODY }),
  open: (options) => openRun({ ...options, expected: BODY_BYTES, timeoutMs: TIMEOUT_S * 1000 }),
  post: closedRun,
  'fleet-open': openFleet,
  'fleet-identify': identifyFleet,
  'fleet-counts': fleetCounts,
  'fleet-close': closeFleet,
  'echo-closed': echoClosed,
  'echo-open': echoOpen,
};

async function handle({ id, kind, options }) {
  try {
    const command = COMMANDS[kind];
    if (!command) throw new Error(`unknown command ${kind}`);
    const result = await command({ timeoutMs: TIMEOUT_S * 1000, ...options });
    process.send({ id, result });
  } catch (err) {
    process.send({ id, error: err.stack ?? String(err) });
  }
}

process.on('message', (message) => void handle(message));
// The orchestrator is gone (killed, crashed): nothing is left to report to.
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });

// The load generator, in a process of its own (forked by load-client.mjs) so that generating
// load never shares an event loop with the orchestration. Commanded over IPC, one run at a time:
//   { id, kind: 'closed' | 'open', options } → { id, result } or { id, error }
import autocannon from 'autocannon';
import { BODY, BODY_BYTES } from './body.mjs';
import { latencyHistogram, percentilesMs, recordMs } from './histogram.mjs';
import { openRun } from './open-loop.mjs';

const TIMEOUT_S = 10;

/**
 * The closed model (saturation): autocannon with a fixed number of connections, each sending
 * its next request when the last answer arrives. autocannon's own histogram keeps whole
 * milliseconds, so latencies are recorded here from its per-response event in microseconds.
 */
function closedRun({ url, host, connections, durationS }) {
  return new Promise((resolve, reject) => {
    const latency = latencyHistogram();
    const instance = autocannon(
      {
        url,
        connections,
        pipelining: 1,
        duration: durationS,
        timeout: TIMEOUT_S,
        headers: { host },
        expectBody: BODY,
      },
      (err, result) => {
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
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTimeMs) =>
      recordMs(latency, responseTimeMs),
    );
  });
}

async function handle({ id, kind, options }) {
  try {
    const result =
      kind === 'closed'
        ? await closedRun(options)
        : await openRun({ ...options, expected: BODY_BYTES, timeoutMs: TIMEOUT_S * 1000 });
    process.send({ id, result });
  } catch (err) {
    process.send({ id, error: err.stack ?? String(err) });
  }
}

process.on('message', (message) => void handle(message));
// The orchestrator is gone (killed, crashed): nothing is left to report to.
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });

// The open model: requests sent at a fixed rate whatever the target does, on an undici Pool.
// Each request's latency runs from its *scheduled* send time to the end of its response body,
// so a target that stalls is charged for every request that should have gone out meanwhile
// (no coordinated omission); when the generator falls behind, requests keep their scheduled
// times and the lag is reported.
//
// Timers fire at millisecond granularity, so requests due within the same millisecond leave
// together and each can be charged up to ~1 ms of send lag. That lag is the same for `direct`
// at the same rate, so "added" latency (target − direct) is not affected by it; `sendLagMs`
// shows it. A busy loop would be more precise but would take a core from the targets.
import { Pool } from 'undici';
import { latencyHistogram, percentilesMs, recordMs } from './histogram.mjs';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Runs one open-model measurement. `expected` is the body every answer must have; `headers`
 * (an API key, a token) go with every request. Resolves with
 * counts, percentiles in ms, the achieved rate and the generator's send lag.
 */
export async function openRun({
  url,
  host,
  headers: extra,
  connections,
  rate,
  durationS,
  expected,
  timeoutMs,
}) {
  const { origin, pathname } = new URL(url);
  const pool = new Pool(origin, {
    connections,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
  });
  const headers = { ...extra, host };
  const latency = latencyHistogram();
  const lag = latencyHistogram();
  const counts = { sent: 0, completed: 0, errors: 0, timeouts: 0, non2xx: 0, mismatches: 0 };
  /** Answers by status code, as autocannon reports them in the closed model. */
  let statusCodes = {};
  let lastEnd = 0;

  // dispatch() with a handler rather than request(): no stream per response, so the generator
  // spends less of the machine on itself.
  const one = (scheduled) =>
    new Promise((resolve) => {
      let status = 0;
      const chunks = [];
      pool.dispatch(
        { origin, path: pathname, method: 'GET', headers },
        {
          // The handler interface Pool.dispatch takes in undici 7 (onConnect … onComplete).
          onConnect() {},
          onHeaders(statusCode) {
            status = statusCode;
            return true;
          },
          onData(chunk) {
            chunks.push(chunk);
            return true;
          },
          onComplete() {
            const end = performance.now();
            lastEnd = end;
            counts.completed += 1;
            statusCodes[status] = (statusCodes[status] ?? 0) + 1;
            recordMs(latency, end - scheduled);
            if (status < 200 || status > 299) counts.non2xx += 1;
            else if (!Buffer.concat(chunks).equals(expected)) counts.mismatches += 1;
            resolve();
          },
          onError(err) {
            if (TIMEOUT_CODES.has(err.code)) counts.timeouts += 1;
            else counts.errors += 1;
            resolve();
          },
        },
      );
    });

  try {
    // Open the pool's connections first, untimed, so connection set-up is not in the numbers.
    await Promise.all(Array.from({ length: connections }, () => one(performance.now())));
    Object.assign(counts, { completed: 0, errors: 0, timeouts: 0, non2xx: 0, mismatches: 0 });
    statusCodes = {};
    latency.reset();

    const intervalMs = 1000 / rate;
    const total = Math.max(1, Math.round(rate * durationS));
    const inFlight = new Set();
    const start = performance.now();
    await new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        while (counts.sent < total && start + counts.sent * intervalMs <= now) {
          const scheduled = start + counts.sent * intervalMs;
          counts.sent += 1;
          recordMs(lag, now - scheduled);
          const request = one(scheduled).finally(() => inFlight.delete(request));
          inFlight.add(request);
        }
        if (counts.sent >= total) return resolve();
        setTimeout(tick, Math.max(0, start + counts.sent * intervalMs - performance.now()));
        return undefined;
      };
      tick();
    });
    await Promise.all(inFlight);
    const elapsedS = Math.max(durationS, (lastEnd - start) / 1000);
    return {
      ...counts,
      statusCodes,
      offeredRate: rate,
      achievedRate: counts.completed / elapsedS,
      elapsedS,
      latencyMs: percentilesMs(latency),
      sendLagMs: percentilesMs(lag),
    };
  } finally {
    await pool.destroy();
  }
}

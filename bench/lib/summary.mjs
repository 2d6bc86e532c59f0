// What the raw runs add up to: medians over rounds, ratios, the open-model pairs, the goals and
// the failures that decide the exit status. Pure functions of the recorded runs.
import { AUTH_BASELINE, AUTH_TARGETS, isPortico, THROTTLE_TARGET } from './targets.mjs';

/** The share of its peak throughput a target is offered in the open model. */
export const OPEN_LOAD = 0.5;

export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const COUNTERS = ['errors', 'timeouts', 'non2xx', 'mismatches'];

/**
 * The answers other than 200 over `runs`, by status code in order ("403 ×12, 429 ×3"), from the runs'
 * `statusCodes`; empty when there were none.
 */
export function otherStatuses(runs) {
  const byCode = {};
  for (const run of runs) {
    for (const [code, n] of Object.entries(run.statusCodes ?? {})) {
      if (code !== '200') byCode[code] = (byCode[code] ?? 0) + n;
    }
  }
  return Object.entries(byCode)
    .map(([code, n]) => `${code} ×${n}`)
    .join(', ');
}

/** Errors, timeouts, non-2xx answers and body mismatches over `runs`, and their total. */
export function errorCounts(runs) {
  const counts = { errors: 0, timeouts: 0, non2xx: 0, mismatches: 0 };
  for (const run of runs) for (const key of COUNTERS) counts[key] += run[key] ?? 0;
  return { ...counts, total: COUNTERS.reduce((sum, key) => sum + counts[key], 0) };
}

const divide = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : undefined);

/** One row per target: medians of the closed-model rounds, error totals, ratios. */
export function summarizeClosed(targets, runs) {
  const rows = targets.map((target) => {
    const rounds = runs.filter(
      (r) => r.model === 'closed' && r.phase === 'round' && r.target === target.name,
    );
    const latency = (key) => median(rounds.map((r) => r.latencyMs[key]));
    return {
      target: target.name,
      status: target.status,
      reason: target.reason,
      runs: rounds.length,
      rps: median(rounds.map((r) => r.rps)),
      p50: latency('p50'),
      p90: latency('p90'),
      p99: latency('p99'),
      p999: latency('p999'),
      edgeCpuUs: median(rounds.map((r) => r.edgeCpuUs)),
      ...errorCounts(rounds),
    };
  });
  const rpsOf = (name) => rows.find((row) => row.target === name)?.rps;
  for (const row of rows) {
    row.toDirect = divide(row.rps, rpsOf('direct'));
    row.toFastGateway = divide(row.rps, rpsOf('fast-gateway'));
  }
  return rows;
}

/**
 * One row per open-model pair: the target at its offered rate beside the upstream alone at the
 * same rate, so the difference is what the target adds.
 */
export function summarizeOpen(runs) {
  const open = runs.filter((r) => r.model === 'open');
  return open
    .filter((r) => r.role === 'target')
    .map((run) => {
      const direct = open.find((r) => r.role === 'direct' && r.pair === run.pair);
      return {
        target: run.target,
        offeredRate: run.offeredRate,
        achievedRate: run.achievedRate,
        p50: run.latencyMs.p50,
        p99: run.latencyMs.p99,
        p999: run.latencyMs.p999,
        max: run.latencyMs.max,
        directP50: direct?.latencyMs.p50,
        directP99: direct?.latencyMs.p99,
        addedP50: difference(run.latencyMs.p50, direct?.latencyMs.p50),
        addedP99: difference(run.latencyMs.p99, direct?.latencyMs.p99),
        ...errorCounts([run]),
      };
    });
}

const difference = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? a - b : undefined);

/** The most a warm (cached) authorization decision may cost: this share of passthrough's throughput. */
export const DECISION_COST_GOAL = 0.1;

/**
 * One row per authorization target (portico-apikey, portico-jwt) beside portico-passthrough in
 * the same run, two ways:
 * - throughput: the target's req/s over the passthrough's, and `cost` = 1 − that ratio (below
 *   zero when the target came out faster: noise);
 * - the edge's own CPU per request (median over the rounds), and `cpuCost` = 1 − passthrough
 *   µs ÷ target µs: the throughput the decision costs an edge that is the bottleneck. On a
 *   shared machine this one is the measurement — the load generator, the upstream and anything
 *   else running take CPU from under the throughput figures — so `met` judges it when it was
 *   measured, and the throughput cost otherwise. Null when neither was measured.
 */
export function decisionCosts(closed) {
  const rowOf = (name) => closed.find((row) => row.target === name);
  const passthrough = rowOf(AUTH_BASELINE);
  const passthroughRps = passthrough?.rps;
  const passthroughCpuUs = passthrough?.edgeCpuUs;
  return AUTH_TARGETS.map((target) => {
    const { rps, edgeCpuUs } = rowOf(target) ?? {};
    const toPassthrough = divide(rps, passthroughRps);
    // 1 − rps/passthrough, written as one division so that exactly 10% is not 9.999…%.
    const cost = toPassthrough === undefined ? undefined : (passthroughRps - rps) / passthroughRps;
    const cpuCost =
      Number.isFinite(edgeCpuUs) && Number.isFinite(passthroughCpuUs) && edgeCpuUs > 0
        ? (edgeCpuUs - passthroughCpuUs) / edgeCpuUs
        : undefined;
    const judged = cpuCost ?? cost;
    return {
      target,
      rps,
      passthroughRps,
      toPassthrough,
      cost,
      edgeCpuUs,
      passthroughCpuUs,
      cpuCost,
      met: judged === undefined ? null : judged < DECISION_COST_GOAL,
    };
  });
}

/**
 * The least share of fast-gateway's passthrough throughput the API key with throttling must keep
 * (issue 6; the BRIEF's goal adds a cache miss, once there is a cache service).
 */
export const THROTTLE_GOAL = 0.7;

/** The BRIEF's WebSocket numbers. */
export const WS_GOALS = { idleConnections: 50_000, rssPerConnectionBytes: 8 * 1024, echoP99Ms: 3 };

/**
 * What went wrong in one WebSocket scenario's result: failed requests, pushes or replies that
 * never arrived or arrived altered, clients the edge closed mid-run, connections the edge still
 * counted after every client had gone.
 */
export function webSocketErrors(result) {
  // An open-model run offered more than the closed model's peak overloads the function runner,
  // which sheds load (503 from the integration, `Internal server error` to the client) by
  // design: that is reported beside the run (shedOf), not counted as an error.
  const withinPeak = (result.open ?? []).filter((run) => !overPeak(result, run));
  const runs = [result.closed, ...withinPeak, result.requests === undefined ? {} : result];
  const counts = errorCounts(runs.filter(Boolean));
  const lost = Math.max(0, (result.expected ?? 0) - (result.delivered ?? 0));
  const other = {
    lost,
    corrupted: result.corrupted ?? 0,
    closedEarly: result.closedEarly ?? 0,
    undrained: result.drainedS === undefined && result.held !== undefined ? 1 : 0,
  };
  const total = counts.total + Object.values(other).reduce((sum, n) => sum + n, 0);
  return { ...counts, ...other, total };
}

/** Whether an open-model echo run was offered more than the closed model's peak rate. */
export const overPeak = (result, run) => run.offeredRate > result.closed.rps;

/** The goals, each with its measured value; `met` is null when it was not measured. */
export function evaluateGoals(closed, open, webSocket = {}) {
  const rps = (name) => closed.find((row) => row.target === name)?.rps;
  const added = open.find((row) => row.target === 'portico-passthrough')?.addedP99;
  const goal = (id, text, measured, unit, threshold, atLeast) => ({
    id,
    text,
    measured,
    unit,
    threshold,
    met: Number.isFinite(measured)
      ? atLeast
        ? measured >= threshold
        : measured <= threshold
      : null,
  });
  return [
    goal(
      'passthrough-vs-fast-gateway',
      'portico-passthrough throughput ≥ 0.9× fast-gateway',
      divide(rps('portico-passthrough'), rps('fast-gateway')),
      '×',
      0.9,
      true,
    ),
    goal(
      'passthrough-added-p99',
      `portico-passthrough p99 added over direct ≤ 2 ms at ${OPEN_LOAD * 100}% of peak`,
      added,
      'ms',
      2,
      false,
    ),
    goal(
      '10k-vs-passthrough',
      'portico-passthrough-10k throughput ≥ 0.9× portico-passthrough',
      divide(rps('portico-passthrough-10k'), rps('portico-passthrough')),
      '×',
      0.9,
      true,
    ),
    goal(
      'ws-idle-connections',
      `≥ ${WS_GOALS.idleConnections.toLocaleString('en-US')} idle WebSocket connections held by one edge`,
      webSocket['ws-idle']?.held,
      'connections',
      WS_GOALS.idleConnections,
      true,
    ),
    goal(
      'ws-rss-per-connection',
      `≤ ${WS_GOALS.rssPerConnectionBytes / 1024} KB of edge RSS per idle WebSocket connection`,
      webSocket['ws-idle']?.rssPerConnection,
      'bytes',
      WS_GOALS.rssPerConnectionBytes,
      false,
    ),
    goal(
      'ws-echo-p99',
      `message → route → function → route response p99 ≤ ${WS_GOALS.echoP99Ms} ms at the goal rate`,
      webSocket['ws-echo']?.open.find((run) => run.label === 'goal rate')?.latencyMs.p99,
      'ms',
      WS_GOALS.echoP99Ms,
      false,
    ),
    ...decisionCosts(closed).map((row) => ({
      id: `${row.target.replace(/^portico-/, '')}-decision-cost`,
      text:
        `${row.target}: a warm decision costs < ${DECISION_COST_GOAL * 100}% of ` +
        `${AUTH_BASELINE} throughput${row.cpuCost === undefined ? '' : " (the edge's CPU per request)"}`,
      measured: row.cpuCost ?? row.cost,
      unit: '%',
      threshold: DECISION_COST_GOAL,
      met: row.met,
    })),
    goal(
      'apikey-throttle-vs-fast-gateway',
      `${THROTTLE_TARGET} (API key + throttling at every level + quota) throughput ≥ ${THROTTLE_GOAL}× fast-gateway`,
      divide(rps(THROTTLE_TARGET), rps('fast-gateway')),
      '×',
      THROTTLE_GOAL,
      true,
    ),
  ];
}

/**
 * Why the run must exit non-zero, one line each: a target or WebSocket scenario that failed to
 * start or stopped, a Portico target with any error, timeout, non-2xx answer or mismatch in any
 * phase, and a WebSocket scenario with any error (webSocketErrors).
 */
export function failuresOf(targets, runs, scenarios = [], webSocket = {}) {
  const lines = [];
  for (const target of targets) {
    if (target.status === 'failed') lines.push(`${target.name}: failed — ${target.reason}`);
    if (!isPortico(target.name)) continue;
    const phases = ['warm-up', 'round', 'open']
      .map((phase) => {
        const own = runs.filter((r) => r.target === target.name && r.phase === phase);
        return [phase, errorCounts(own), otherStatuses(own)];
      })
      .filter(([, counts]) => counts.total > 0);
    if (phases.length === 0) continue;
    // The statuses say why: 403 (a key no usage plan admits), 429 (a limit the load exceeds)…
    const detail = phases
      .map(
        ([phase, c, statuses]) =>
          `${phase}: ${c.errors} errors, ${c.timeouts} timeouts, ${c.non2xx} non-2xx, ${c.mismatches} mismatches` +
          (statuses ? ` (answered ${statuses})` : ''),
      )
      .join('; ');
    lines.push(`${target.name}: ${detail}`);
  }
  for (const scenario of scenarios) {
    if (scenario.status === 'failed') lines.push(`${scenario.name}: failed — ${scenario.reason}`);
    const result = webSocket[scenario.name];
    if (!result) continue;
    const errors = webSocketErrors(result);
    if (errors.total === 0) continue;
    const detail = Object.entries(errors)
      .filter(([key, n]) => key !== 'total' && n > 0)
      .map(([key, n]) => `${n} ${key}`)
      .join(', ');
    lines.push(`${scenario.name}: ${detail}`);
  }
  return lines;
}

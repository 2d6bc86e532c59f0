// What the raw runs add up to: medians over rounds, ratios, the open-model pairs, the goals and
// the failures that decide the exit status. Pure functions of the recorded runs.
import { isPortico } from './targets.mjs';

/** The share of its peak throughput a target is offered in the open model. */
export const OPEN_LOAD = 0.5;

export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const COUNTERS = ['errors', 'timeouts', 'non2xx', 'mismatches'];

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

/** The goals, each with its measured value; `met` is null when it was not measured. */
export function evaluateGoals(closed, open) {
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
  ];
}

/**
 * Why the run must exit non-zero, one line each: a target that failed to start or stopped, and a
 * Portico target with any error, timeout, non-2xx answer or mismatch in any phase.
 */
export function failuresOf(targets, runs) {
  const lines = [];
  for (const target of targets) {
    if (target.status === 'failed') lines.push(`${target.name}: failed — ${target.reason}`);
    if (!isPortico(target.name)) continue;
    const phases = ['warm-up', 'round', 'open']
      .map((phase) => [
        phase,
        errorCounts(runs.filter((r) => r.target === target.name && r.phase === phase)),
      ])
      .filter(([, counts]) => counts.total > 0);
    if (phases.length === 0) continue;
    const detail = phases
      .map(
        ([phase, c]) =>
          `${phase}: ${c.errors} errors, ${c.timeouts} timeouts, ${c.non2xx} non-2xx, ${c.mismatches} mismatches`,
      )
      .join('; ');
    lines.push(`${target.name}: ${detail}`);
  }
  return lines;
}

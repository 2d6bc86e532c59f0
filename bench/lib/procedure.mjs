// The measuring itself: a discarded warm-up per target, then rounds in which every target runs
// once in order (A B C … A B C …, so drift over time hits every target alike), then the open
// model, each target at half its median peak right after the upstream alone at that rate.
import { count, ms, signedMs } from './format.mjs';
import { cpuSecondsOf } from './stack.mjs';
import { errorCounts, median, OPEN_LOAD } from './summary.mjs';

/** Time for the previous run's connections to close before the next run starts. */
const SETTLE_MS = 200;

const errorsText = (run) => {
  const { total } = errorCounts([run]);
  return total ? ` · ${count(total)} errors` : '';
};

/**
 * Runs the plan against the ready targets and returns every raw run. `load` is the LoadClient;
 * `checkFatal()` throws when the run cannot go on (the upstream died).
 */
export async function runProcedure({ load, targets, plan, say, checkFatal }) {
  const runs = [];
  const ready = () => targets.filter((t) => t.status === 'ready');
  const measure = async (target, model, options, labels) => {
    checkFatal();
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const startedAt = new Date().toISOString();
    const cpuBefore = target.opsUrl ? await cpuSecondsOf(target.opsUrl) : undefined;
    const result = await load.run(model, {
      url: target.url,
      host: target.host,
      headers: target.headers,
      connections: plan.connections,
      ...options,
    });
    const cpuAfter = target.opsUrl ? await cpuSecondsOf(target.opsUrl) : undefined;
    // What one request cost the edge itself, whatever else was running on the machine.
    const edgeCpuUs =
      cpuBefore !== undefined && cpuAfter !== undefined && result.requests > 0
        ? ((cpuAfter - cpuBefore) * 1e6) / result.requests
        : undefined;
    const run = {
      target: target.name,
      model,
      ...labels,
      startedAt,
      ...result,
      ...(Number.isFinite(edgeCpuUs) ? { edgeCpuUs } : {}),
    };
    runs.push(run);
    return run;
  };

  say(`warm-up: ${plan.warmupS} s per target, not counted`);
  for (const target of ready()) {
    const run = await measure(target, 'closed', { durationS: plan.warmupS }, { phase: 'warm-up' });
    say(`warm-up · ${target.name} · ${count(run.rps)} req/s${errorsText(run)}`);
  }

  for (let round = 1; round <= plan.rounds; round++) {
    for (const target of ready()) {
      const run = await measure(
        target,
        'closed',
        { durationS: plan.runS },
        { phase: 'round', round },
      );
      say(
        `round ${round}/${plan.rounds} · ${target.name} · ${count(run.rps)} req/s · ` +
          `p99 ${ms(run.latencyMs.p99)} ms${errorsText(run)}`,
      );
    }
  }

  const direct = targets.find((t) => t.name === 'direct');
  const peak = (name) =>
    median(runs.filter((r) => r.phase === 'round' && r.target === name).map((r) => r.rps));
  for (const target of ready()) {
    if (target === direct || direct.status !== 'ready') continue;
    const rate = Math.max(1, Math.round(OPEN_LOAD * (peak(target.name) ?? 0)));
    const options = { durationS: plan.openS, rate };
    const labels = { phase: 'open', pair: target.name, offeredRate: rate };
    const base = await measure(direct, 'open', options, { ...labels, role: 'direct' });
    const run = await measure(target, 'open', options, { ...labels, role: 'target' });
    say(
      `open · ${target.name} at ${count(rate)} req/s · p99 ${ms(run.latencyMs.p99)} ms, ` +
        `direct ${ms(base.latencyMs.p99)} ms · added p99 ${signedMs(run.latencyMs.p99 - base.latencyMs.p99)} ms` +
        errorsText(run),
    );
  }
  return runs;
}

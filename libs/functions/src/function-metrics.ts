import type { FunctionInvokeReply } from '@portico/contracts';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How an invocation ended, as the `outcome` label says it. */
export type InvocationOutcome =
  'ok' | 'error' | 'timeout' | 'invalid_event' | 'too_large' | 'throttled';

type Label = 'function' | 'outcome';
/** Lambda bills and reports Duration in ms; the edge's latencies are in ms too. */
const DURATION_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 29000];

/** What the gauges read when Prometheus scrapes: the runners' own counts, never drifting. */
type StatsSource = () => { running: number; queued: number };

/**
 * The function runner's Prometheus metrics, labelled by function name: invocations by outcome
 * (Lambda's Invocations and Errors), their duration (Lambda's Duration), and the invocations
 * running and waiting for a slot now (Lambda's ConcurrentExecutions, and the runner's queue).
 * One instance per registry, shared by every runner that reports into it.
 */
export class FunctionMetrics {
  private readonly invocations: Counter<Label>;
  private readonly duration: Histogram<Label>;
  /** Several runners of one function may share a process (and a registry): their counts add up. */
  private readonly sources = new Map<string, Set<StatsSource>>();

  private constructor(registry: Registry) {
    const registers = [registry];
    this.invocations = new Counter({
      name: 'portico_function_invocations_total',
      help: 'Invocations that ended, by function and outcome (ok, error, timeout, invalid_event, too_large, throttled)',
      labelNames: ['function', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'portico_function_duration_ms',
      help: 'Time from an invocation taking a slot to its reply being ready, in ms (Lambda Duration)',
      labelNames: ['function', 'outcome'],
      buckets: DURATION_BUCKETS_MS,
      registers,
    });
    const sources = this.sources;
    new Gauge({
      name: 'portico_function_in_flight',
      help: 'Invocations running now, by function (Lambda ConcurrentExecutions)',
      labelNames: ['function'],
      registers,
      collect() {
        for (const [name, stats] of sources) this.set({ function: name }, sum(stats, 'running'));
      },
    });
    new Gauge({
      name: 'portico_function_queued',
      help: 'Invocations accepted and waiting for a free slot, by function',
      labelNames: ['function'],
      registers,
      collect() {
        for (const [name, stats] of sources) this.set({ function: name }, sum(stats, 'queued'));
      },
    });
  }

  private static readonly byRegistry = new WeakMap<Registry, FunctionMetrics>();

  /** The metrics in `registry`, created on first use (a metric name registers only once). */
  static for(registry: Registry): FunctionMetrics {
    let metrics = FunctionMetrics.byRegistry.get(registry);
    if (!metrics) {
      metrics = new FunctionMetrics(registry);
      FunctionMetrics.byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  /** Reports a runner's running and queued counts under its function name until `untrack`. */
  track(functionName: string, stats: StatsSource): () => void {
    let set = this.sources.get(functionName);
    if (!set) this.sources.set(functionName, (set = new Set()));
    set.add(stats);
    // The series stays (at 0) after its last runner stops, as a counter's would.
    return () => set.delete(stats);
  }

  observe(functionName: string, outcome: InvocationOutcome, durationMs: number): void {
    const labels = { function: functionName, outcome };
    this.invocations.inc(labels);
    this.duration.observe(labels, durationMs);
  }

  /**
   * An invocation refused because the runner was full (Lambda's Throttles): counted, but it took
   * no slot, so it has no duration.
   */
  throttled(functionName: string): void {
    this.invocations.inc({ function: functionName, outcome: 'throttled' });
  }
}

function sum(sources: Set<StatsSource>, field: 'running' | 'queued'): number {
  let total = 0;
  for (const stats of sources) total += stats()[field];
  return total;
}

/** The outcome label of a reply as it is sent. */
export function outcomeOf(reply: FunctionInvokeReply): InvocationOutcome {
  if (reply.ok) return 'ok';
  if (reply.error.code === 'FunctionTimeout') return 'timeout';
  if (reply.error.code === 'BadRequest') return 'invalid_event';
  if (reply.error.errorType === 'Function.ResponseSizeTooLarge') return 'too_large';
  return 'error';
}

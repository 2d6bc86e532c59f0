// Types for the TypeScript specs that import summary.mjs (the bench itself is plain ESM).

export interface LatencyMs {
  count?: number;
  mean?: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** One measurement as the load worker returns it, labelled by the procedure. */
export interface Run {
  target: string;
  model: 'closed' | 'open';
  phase: 'warm-up' | 'round' | 'open';
  round?: number;
  /** Open model: the target the pair was run for, and which half of the pair this is. */
  pair?: string;
  role?: 'direct' | 'target';
  offeredRate?: number;
  achievedRate?: number;
  rps?: number;
  /** The edge's CPU µs per request over the run (Portico targets, from its /metrics). */
  edgeCpuUs?: number;
  latencyMs: LatencyMs;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  [key: string]: unknown;
}

export interface TargetInfo {
  name: string;
  status: 'measured' | 'skipped' | 'failed';
  reason?: string;
  url?: string;
  host?: string;
}

export interface ErrorCounts {
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  total: number;
}

export interface ClosedRow extends ErrorCounts {
  target: string;
  status: TargetInfo['status'];
  reason?: string;
  runs: number;
  rps?: number;
  p50?: number;
  p90?: number;
  p99?: number;
  p999?: number;
  /** Median over the rounds of the edge's CPU µs per request (Portico targets). */
  edgeCpuUs?: number;
  toDirect?: number;
  toFastGateway?: number;
}

export interface OpenRow extends ErrorCounts {
  target: string;
  offeredRate: number;
  achievedRate: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  directP50?: number;
  directP99?: number;
  addedP50?: number;
  addedP99?: number;
}

export interface Goal {
  id: string;
  text: string;
  measured?: number;
  unit: 'ms' | '×' | 'bytes' | 'connections' | '%';
  threshold: number;
  met: boolean | null;
}

/** An authorization target against portico-passthrough in the same run. */
export interface DecisionCost {
  target: string;
  rps?: number;
  passthroughRps?: number;
  toPassthrough?: number;
  /** 1 − toPassthrough. */
  cost?: number;
  edgeCpuUs?: number;
  passthroughCpuUs?: number;
  /** 1 − passthroughCpuUs ÷ edgeCpuUs: what `met` judges when measured. */
  cpuCost?: number;
  met: boolean | null;
}

export declare const OPEN_LOAD: number;
export declare const DECISION_COST_GOAL: number;
export declare const THROTTLE_GOAL: number;
export declare function decisionCosts(closed: ClosedRow[]): DecisionCost[];
export declare function median(values: Array<number | undefined>): number | undefined;
export declare function errorCounts(runs: Run[]): ErrorCounts;
export declare function otherStatuses(runs: Run[]): string;
export declare function summarizeClosed(targets: TargetInfo[], runs: Run[]): ClosedRow[];
export declare function summarizeOpen(runs: Run[]): OpenRow[];
export declare function evaluateGoals(
  closed: ClosedRow[],
  open: OpenRow[],
  webSocket?: Record<string, Record<string, unknown>>,
): Goal[];
export declare function failuresOf(
  targets: TargetInfo[],
  runs: Run[],
  scenarios?: TargetInfo[],
  webSocket?: Record<string, Record<string, unknown>>,
): string[];
export declare function webSocketErrors(
  result: Record<string, unknown>,
): ErrorCounts & { lost: number; corrupted: number; closedEarly: number; undrained: number };
export declare function overPeak(
  result: { closed: { rps: number } },
  run: { offeredRate: number },
): boolean;

// Types for the TypeScript specs that import result.mjs (the bench itself is plain ESM).
import type {
  ClosedRow,
  DecisionCost,
  Goal,
  LatencyMs,
  OpenRow,
  Run,
  TargetInfo,
} from './summary.mjs';

export interface Machine {
  cpu: string;
  cores: number;
  memoryBytes: number;
  os: string;
  node: string;
  loadAverage: number[];
}

export interface Plan {
  connections: number;
  warmupS: number;
  rounds: number;
  runS: number;
  openS: number;
  logLevel: string;
}

/** The WebSocket scenarios' sizes (options.mjs). */
export interface WsPlan {
  idleConnections: number;
  echoClients: number;
  echoRate: number;
  receivers: number;
  members: number;
}

/** One WebSocket scenario's measurements, as ws-procedure.mjs records them. */
export type WsScenarioResult = Record<string, unknown> & {
  delivered?: number;
  expected?: number;
  held?: number;
  attempted?: number;
  rssPerConnection?: number;
  heapPerConnection?: number;
  drainedS?: number;
  closed?: { rps: number; latencyMs: LatencyMs; timeouts?: number; mismatches?: number };
  open?: Array<{
    label: string;
    offeredRate: number;
    achievedRate: number;
    latencyMs: LatencyMs;
    timeouts?: number;
    mismatches?: number;
  }>;
  rps?: number;
};

export interface BenchResult {
  schema: 1;
  mode: 'quick' | 'full';
  command: string;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  machine: Machine;
  versions: Record<string, unknown>;
  plan: Plan & { openLoad: number; targets: string[] };
  targets: TargetInfo[];
  startup: Record<string, unknown>;
  closed: ClosedRow[];
  open: OpenRow[];
  /** portico-apikey and portico-jwt against portico-passthrough. */
  authorization: DecisionCost[];
  webSocket: {
    plan: WsPlan;
    scenarios: TargetInfo[];
    results: Record<string, WsScenarioResult>;
  };
  goals: Goal[];
  failures: string[];
  notes: string[];
  runs: Run[];
  files?: { md: string; json: string; svg: string };
}

/** A target as the stack reports it: `ready` once it answered (it becomes `measured`). */
export interface StackTarget extends Omit<TargetInfo, 'status'> {
  status: TargetInfo['status'] | 'ready';
}

export declare function assembleResult(input: {
  mode: 'quick' | 'full';
  command: string;
  startedAt: Date;
  machine: Machine;
  versions: Record<string, unknown>;
  plan: Plan;
  targets: StackTarget[];
  runs: Run[];
  startup: Record<string, unknown>;
  wsPlan?: WsPlan;
  scenarios?: StackTarget[];
  webSocket?: Record<string, WsScenarioResult>;
}): BenchResult;

export declare function writeResult(
  dir: string,
  result: BenchResult,
): { files: { md: string; json: string; svg: string }; markdown: string };

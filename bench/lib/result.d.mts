// Types for the TypeScript specs that import result.mjs (the bench itself is plain ESM).
import type { ClosedRow, Goal, OpenRow, Run, TargetInfo } from './summary.mjs';

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
}): BenchResult;

export declare function writeResult(
  dir: string,
  result: BenchResult,
): { files: { md: string; json: string; svg: string }; markdown: string };

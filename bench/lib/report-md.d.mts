// Types for the TypeScript specs that import report-md.mjs (the bench itself is plain ESM).
import type { BenchResult } from './result.mjs';

export declare function machineLine(result: Pick<BenchResult, 'machine'>): string;
export declare function renderMarkdown(result: BenchResult): string;

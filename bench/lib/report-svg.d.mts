// Types for the TypeScript specs that import report-svg.mjs (the bench itself is plain ESM).
import type { BenchResult } from './result.mjs';

export declare function renderSvg(result: BenchResult): string;

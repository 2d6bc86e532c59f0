import type { DestinationStream } from 'pino';

/** Where a batch goes: pino's SonicBoom destination (async fd writes, EAGAIN retries, limits). */
export interface BatchTarget {
  write(data: string): boolean;
  flushSync(): void;
}

/**
 * Collects log lines and hands them to the destination in batches: one write per
 * `batchBytes` (or per `intervalMs` when traffic is light) instead of one per line. A write per
 * line went through libuv's thread pool and cost more CPU than the request it logged; SonicBoom's
 * own `minLength` batching re-measures the whole pending string on every line, which is worse.
 */
export class LineBatch implements DestinationStream {
  private parts: string[] = [];
  private size = 0;

  constructor(
    private readonly target: BatchTarget,
    private readonly batchBytes: number,
    intervalMs: number,
  ) {
    // Lives as long as the process (loggers are made once per service); never holds it open.
    setInterval(() => this.flush(), intervalMs).unref();
  }

  write(line: string): void {
    this.parts.push(line);
    this.size += line.length;
    if (this.size >= this.batchBytes) this.flush();
  }

  /** Hands what is collected to the destination, which writes it asynchronously. */
  flush(): void {
    if (this.parts.length === 0) return;
    const data = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.target.write(data);
  }

  /** Everything collected, written before this returns (process exit). */
  flushSync(): void {
    this.flush();
    this.target.flushSync();
  }
}

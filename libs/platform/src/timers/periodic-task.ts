import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { runPeriodically } from './periodic';

export interface PeriodicSchedule {
  intervalMs: number;
  /** Run once at start-up too, not only after the first interval. */
  immediately?: boolean;
  /** The log message of a failed run (the next run tries again). */
  failure: string;
}

/**
 * A Nest provider that runs `run()` on a schedule from application bootstrap to shutdown,
 * through runPeriodically: never two runs at once, a failed run logged and retried next time.
 */
export abstract class PeriodicTask implements OnApplicationBootstrap, OnApplicationShutdown {
  private stop?: () => void;

  protected abstract readonly logger: { warn(fields: object, message: string): void };

  protected abstract schedule(): PeriodicSchedule;

  protected abstract run(): Promise<void>;

  onApplicationBootstrap(): void {
    const { intervalMs, immediately, failure } = this.schedule();
    this.stop = runPeriodically(
      intervalMs,
      () => this.run(),
      (err) => this.logger.warn({ err: String(err) }, failure),
      { immediately },
    );
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }
}

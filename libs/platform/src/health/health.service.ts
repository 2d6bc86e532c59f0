import { Injectable } from '@nestjs/common';

export type ReadinessCheck = () => boolean | Promise<boolean>;

/**
 * Liveness is "the process answers"; readiness is "every registered dependency is usable and
 * the service is not draining". Load balancers stop sending work on a 503 from /readyz.
 */
@Injectable()
export class HealthService {
  private readonly checks = new Map<string, { check: ReadinessCheck; gating: boolean }>();
  private draining = false;

  /** A non-gating check is reported by /readyz but does not make the service unready. */
  register(name: string, check: ReadinessCheck, opts: { gating?: boolean } = {}): void {
    this.checks.set(name, { check, gating: opts.gating ?? true });
  }

  startDraining(): void {
    this.draining = true;
  }

  isDraining(): boolean {
    return this.draining;
  }

  async readiness(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const checks: Record<string, boolean> = {};
    let ready = !this.draining;
    for (const [name, { check, gating }] of this.checks) {
      try {
        checks[name] = await check();
      } catch {
        checks[name] = false;
      }
      if (gating && !checks[name]) ready = false;
    }
    checks['notDraining'] = !this.draining;
    return { ready, checks };
  }
}

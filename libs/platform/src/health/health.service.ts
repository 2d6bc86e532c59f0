import { Injectable } from '@nestjs/common';

export type ReadinessCheck = () => boolean | Promise<boolean>;

/**
 * Liveness is "the process answers"; readiness is "every registered dependency is usable and
 * the service is not draining". Load balancers stop sending work on a 503 from /readyz.
 */
@Injectable()
export class HealthService {
  private readonly checks = new Map<string, ReadinessCheck>();
  private draining = false;

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  startDraining(): void {
    this.draining = true;
  }

  isDraining(): boolean {
    return this.draining;
  }

  async readiness(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const checks: Record<string, boolean> = {};
    for (const [name, check] of this.checks) {
      try {
        checks[name] = await check();
      } catch {
        checks[name] = false;
      }
    }
    checks['notDraining'] = !this.draining;
    return { ready: Object.values(checks).every(Boolean), checks };
  }
}

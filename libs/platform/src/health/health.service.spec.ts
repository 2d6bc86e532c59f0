import { HealthService } from './health.service';

describe('HealthService', () => {
  it('is unready when a gating check fails, and reports every check', async () => {
    const health = new HealthService();
    health.register('redis', () => false);
    health.register('stagesLoaded', () => true);
    expect(await health.readiness()).toEqual({
      ready: false,
      checks: { redis: false, stagesLoaded: true, notDraining: true },
    });
  });

  it('stays ready when only a non-gating check fails', async () => {
    const health = new HealthService();
    health.register('redis', () => false, { gating: false });
    health.register('stagesLoaded', () => true);
    const result = await health.readiness();
    expect(result.ready).toBe(true);
    expect(result.checks.redis).toBe(false);
  });

  it('treats a throwing check as failed and draining as unready', async () => {
    const health = new HealthService();
    health.register(
      'nats',
      () => {
        throw new Error('boom');
      },
      { gating: false },
    );
    health.startDraining();
    expect(await health.readiness()).toEqual({
      ready: false,
      checks: { nats: false, notDraining: false },
    });
  });
});

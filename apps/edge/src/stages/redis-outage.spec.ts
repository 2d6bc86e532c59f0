import type { RunningService } from '@portico/platform';
import { eventually } from '@portico/testing';
import { request } from 'undici';
import { method, putStage, resource } from '../testing/api-factory';
import { echoMock } from '../testing/edge-fixtures';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness';

/**
 * Redis really stopped under a running edge: requests keep being served from the compiled
 * stages, events and resyncs that cannot read Redis change nothing, readiness stays up while
 * reporting Redis down, and changes apply again once Redis is back.
 */
describe('edge through a Redis outage', () => {
  let h: EdgeHarness;
  let edge: RunningService;

  const version = (label: string) =>
    putStage(h.store, {
      apiId: 'outage',
      stageName: 'prod',
      deploymentId: `dep-${label}`,
      resources: [resource('/pets', { GET: method('GET', echoMock(label)) })],
    });

  const get = async (): Promise<{ status: number; label?: string }> => {
    const res = await request(`http://127.0.0.1:${edge.port}/prod/pets`, {
      headers: { host: 'outage.execute-api.localhost' },
    });
    const text = await res.body.text();
    return res.statusCode === 200
      ? { status: 200, label: (JSON.parse(text) as { label: string }).label }
      : { status: res.statusCode };
  };

  const readiness = async () => {
    const res = await request(`http://127.0.0.1:${edge.opsPort}/readyz`);
    return {
      status: res.statusCode,
      body: (await res.body.json()) as { checks: Record<string, boolean> },
    };
  };

  beforeAll(async () => {
    h = await startEdgeHarness();
    await version('v0');
    // The shortest resync, so resyncs run (and fail) while Redis is away.
    edge = await h.startEdge({ STAGE_RESYNC_INTERVAL_MS: '1000', REDIS_COMMAND_TIMEOUT_MS: '200' });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('keeps serving, stays ready and applies changes again when Redis returns', async () => {
    if (h.infra.source === 'env') return; // a shared Redis from REDIS_URL cannot be stopped
    expect(await get()).toEqual({ status: 200, label: 'v0' });

    await h.infra.stopRedis();
    await eventually(async () => expect((await readiness()).body.checks.redis).toBe(false));
    await h.emitStageChanged({ restApiId: 'outage', stageName: 'prod', change: 'updated' });
    // Let at least one periodic resync fail against the stopped Redis.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await get()).toEqual({ status: 200, label: 'v0' });
    const during = await readiness();
    expect(during.status).toBe(200);
    expect(during.body.checks).toMatchObject({ redis: false, notDraining: true });

    await h.infra.startRedis();
    // The restarted Redis is empty (no persistence in tests): write the stage again.
    await eventually(async () => {
      await version('v1');
    });
    await h.emitStageChanged({ restApiId: 'outage', stageName: 'prod', change: 'updated' });
    await eventually(async () => expect(await get()).toEqual({ status: 200, label: 'v1' }));
    expect((await readiness()).body.checks.redis).toBe(true);
  });
});

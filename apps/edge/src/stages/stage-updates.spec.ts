import type { RunningService } from '@portico/platform';
import { eventually } from '@portico/testing';
import { Pool } from 'undici';
import { domainName, method, putStage, resource } from '../testing/api-factory';
import { echoMock } from '../testing/edge-fixtures';
import { type EdgeHarness, startEdgeHarness } from '../testing/edge-harness';

/** Definitions change in Redis and control announces them on NATS; running edges follow. */
describe('stage updates on running edges', () => {
  let h: EdgeHarness;
  let a: RunningService;
  let b: RunningService;
  const pools: Pool[] = [];

  const version = (apiId: string, stageName: string, label: string, extra: string[] = []) =>
    putStage(h.store, {
      apiId,
      stageName,
      deploymentId: `dep-${label}`,
      resources: [
        resource('/pets', { GET: method('GET', echoMock(label)) }),
        ...extra.map((p) => resource(p, { GET: method('GET', echoMock(`${label}${p}`)) })),
      ],
    });

  beforeAll(async () => {
    h = await startEdgeHarness();
    await version('live', 'prod', 'v0');
    // No periodic resync during the test: whatever changes arrived by event.
    a = await h.startEdge({ STAGE_RESYNC_INTERVAL_MS: '600000' });
    b = await h.startEdge({ STAGE_RESYNC_INTERVAL_MS: '600000' });
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await h?.close();
  });

  function pool(edge: RunningService): Pool {
    const p = new Pool(`http://127.0.0.1:${edge.port}`, { connections: 8 });
    pools.push(p);
    return p;
  }

  async function get(edge: RunningService, path: string, host = 'localhost') {
    const res = await pool(edge).request({ path, method: 'GET', headers: { host } });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      label: res.statusCode === 200 ? (JSON.parse(text) as { label: string }).label : text,
    };
  }

  it('serves the same stage from two edge processes', async () => {
    for (const edge of [a, b]) {
      expect(await get(edge, '/prod/pets', 'live.execute-api.localhost')).toEqual({
        status: 200,
        label: 'v0',
      });
    }
  });

  it('applies a stage change published on NATS on every edge, without a restart', async () => {
    await version('live', 'prod', 'v1', ['/new']);
    expect((await get(a, '/restapis/live/prod/_user_request_/new')).status).toBe(403);
    await h.emitStageChanged({ restApiId: 'live', stageName: 'prod', change: 'updated' });
    for (const edge of [a, b]) {
      await eventually(async () =>
        expect(await get(edge, '/restapis/live/prod/_user_request_/new')).toEqual({
          status: 200,
          label: 'v1/new',
        }),
      );
    }
  });

  it('drops no request and serves no half-built stage while stages swap under load', async () => {
    const seen = new Map<string, number>();
    const failures: string[] = [];
    let running = true;
    const loops = [a, b].flatMap((edge) => {
      const p = pool(edge);
      return Array.from({ length: 4 }, async () => {
        while (running) {
          try {
            const res = await p.request({
              path: '/restapis/live/prod/_user_request_/pets',
              method: 'GET',
            });
            const text = await res.body.text();
            if (res.statusCode !== 200) failures.push(`${res.statusCode} ${text}`);
            else {
              const { label } = JSON.parse(text) as { label: string };
              seen.set(label, (seen.get(label) ?? 0) + 1);
            }
          } catch (err) {
            failures.push(String(err));
          }
        }
      });
    });
    for (let i = 2; i <= 7; i++) {
      await version('live', 'prod', `v${i}`);
      await h.emitStageChanged({ restApiId: 'live', stageName: 'prod', change: 'updated' });
      for (const edge of [a, b])
        await eventually(async () =>
          expect((await get(edge, '/restapis/live/prod/_user_request_/pets')).label).toBe(`v${i}`),
        );
    }
    running = false;
    await Promise.all(loops);
    expect(failures).toEqual([]);
    // Every answer came from one whole version; several versions answered during the run.
    for (const label of seen.keys()) expect(label).toMatch(/^v[1-7]$/);
    expect(seen.size).toBeGreaterThan(1);
  });

  it('removes a deleted stage', async () => {
    await version('gone', 'prod', 'g0');
    await h.emitStageChanged({ restApiId: 'gone', stageName: 'prod', change: 'updated' });
    await eventually(async () =>
      expect((await get(a, '/restapis/gone/prod/_user_request_/pets')).status).toBe(200),
    );
    await h.store.deleteStage('gone', 'prod');
    await h.emitStageChanged({ restApiId: 'gone', stageName: 'prod', change: 'deleted' });
    await eventually(async () =>
      expect(await get(a, '/restapis/gone/prod/_user_request_/pets')).toEqual({
        status: 403,
        label: '{"message":"Forbidden"}',
      }),
    );
  });

  it('keeps the previous version of a stage whose new deployment does not compile', async () => {
    await version('keep', 'prod', 'k0');
    await h.emitStageChanged({ restApiId: 'keep', stageName: 'prod', change: 'updated' });
    await eventually(async () =>
      expect((await get(a, '/restapis/keep/prod/_user_request_/pets')).label).toBe('k0'),
    );
    // A greedy segment that is not last cannot be routed.
    await putStage(h.store, {
      apiId: 'keep',
      stageName: 'prod',
      deploymentId: 'dep-broken',
      resources: [resource('/a/{proxy+}/b', ['GET'])],
    });
    await h.emitStageChanged({ restApiId: 'keep', stageName: 'prod', change: 'updated' });
    // Events apply in order: once a later one is visible, the broken one has been handled.
    await version('marker', 'prod', 'm0');
    await h.emitStageChanged({ restApiId: 'marker', stageName: 'prod', change: 'updated' });
    await eventually(async () =>
      expect((await get(a, '/restapis/marker/prod/_user_request_/pets')).status).toBe(200),
    );
    expect(await get(a, '/restapis/keep/prod/_user_request_/pets')).toEqual({
      status: 200,
      label: 'k0',
    });
  });

  it('ignores malformed events and keeps serving', async () => {
    await h.emitStageChanged({ restApiId: 42 } as never);
    await h.emitDomainChanged({} as never);
    await h.emitStageChanged('junk' as never);
    // Events apply in order: once a later, valid one is visible, the malformed ones were handled.
    await version('after-junk', 'prod', 'j0');
    await h.emitStageChanged({ restApiId: 'after-junk', stageName: 'prod', change: 'updated' });
    for (const edge of [a, b]) {
      await eventually(async () =>
        expect((await get(edge, '/restapis/after-junk/prod/_user_request_/pets')).label).toBe('j0'),
      );
      expect((await get(edge, '/restapis/live/prod/_user_request_/pets')).status).toBe(200);
    }
  });

  it('applies custom domain changes', async () => {
    const host = 'shop.example.test';
    expect((await get(a, '/pets', host)).status).toBe(403);
    await h.store.putDomain(
      domainName(host, [{ basePath: 'store', restApiId: 'live', stage: 'prod' }]),
    );
    await h.emitDomainChanged({ domainName: host, change: 'updated' });
    await eventually(async () => expect((await get(a, '/store/pets', host)).label).toBe('v7'));
    await h.store.deleteDomain(host);
    await h.emitDomainChanged({ domainName: host, change: 'deleted' });
    await eventually(async () => expect((await get(a, '/store/pets', host)).status).toBe(403));
  });

  it('picks up changes it was never told about on the periodic resync', async () => {
    const c = await h.startEdge({ STAGE_RESYNC_INTERVAL_MS: '1000' });
    await version('quiet', 'prod', 'q0');
    // No event: only the resync can bring it.
    await eventually(async () =>
      expect(await get(c, '/restapis/quiet/prod/_user_request_/pets')).toEqual({
        status: 200,
        label: 'q0',
      }),
    );
  });
});

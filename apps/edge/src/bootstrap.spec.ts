import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, type RunningService } from '@portico/platform';
import { eventually } from '@portico/testing';
import { Client, request } from 'undici';
import { bootstrap } from './bootstrap';
import { type StandardHarness, startStandardHarness } from './testing/edge-harness';

describe('edge bootstrap', () => {
  let h: StandardHarness;

  beforeAll(async () => {
    h = await startStandardHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  it.each([
    ['EDGE_PORT', 'eighty'],
    ['EDGE_OPS_PORT', '70000'],
    ['MAX_BODY_BYTES', '0'],
    ['MAX_HEADER_BYTES', 'lots'],
    ['TRUSTED_PROXIES', '10.0.0.0/8, not-an-ip'],
    ['TRUSTED_PROXIES', '10.0.0.0/33'],
    ['PORTICO_ACCOUNT_ID', 'abc'],
    ['STAGE_RESYNC_INTERVAL_MS', '5'],
    ['NATS_URL', 'http://nats'],
  ])('stops boot naming %s when it is %p', async (name, value) => {
    const boot = bootstrap(h.env({ [name]: value }));
    await expect(boot).rejects.toBeInstanceOf(ConfigError);
    await expect(boot).rejects.toThrow(name);
  });

  describe('a running edge', () => {
    let edge: RunningService;
    const ops = (path: string) => request(`http://127.0.0.1:${edge.opsPort}${path}`);
    const data = (path: string) => request(`http://127.0.0.1:${edge.port}${path}`);

    beforeAll(async () => {
      edge = await h.startEdge();
    });

    it('answers /healthz, /readyz and /metrics on the ops port', async () => {
      const health = await ops('/healthz');
      expect(health.statusCode).toBe(200);
      await health.body.dump();
      const ready = await ops('/readyz');
      expect(ready.statusCode).toBe(200);
      expect(await ready.body.json()).toMatchObject({
        status: 'ready',
        checks: { stages: true, nats: true, redis: true },
      });
      const metrics = await ops('/metrics');
      expect(metrics.statusCode).toBe(200);
      expect(await metrics.body.text()).toContain('portico_count');
    });

    it('does not answer them on the data port', async () => {
      for (const path of ['/healthz', '/readyz', '/metrics']) {
        const res = await data(path);
        expect(res.statusCode).toBe(403);
        expect(await res.body.json()).toEqual({ message: 'Forbidden' });
      }
    });

    it("counts requests under API Gateway's metric names, labelled by resource template", async () => {
      await (await data('/restapis/api1/prod/_user_request_/pets/secret-id-123')).body.dump();
      await (await data('/restapis/api1/prod/_user_request_/nope')).body.dump();
      await (await data('/restapis/api1/prod/_user_request_/dead')).body.dump();
      const text = await (await ops('/metrics')).body.text();
      expect(text).toMatch(
        /portico_count\{[^}]*api_id="api1",stage="prod",resource="\/pets\/\{id\}",method="GET"[^}]*\} 1/,
      );
      expect(text).toMatch(
        /portico_4xx_error\{[^}]*api_id="api1",stage="prod",resource="",method="GET"[^}]*\} 1/,
      );
      expect(text).toMatch(/portico_5xx_error\{[^}]*resource="\/dead"[^}]*\} 1/);
      expect(text).toMatch(/portico_latency_ms_bucket\{[^}]*resource="\/pets\/\{id\}"/);
      expect(text).toMatch(
        /portico_integration_latency_ms_count\{[^}]*resource="\/pets\/\{id\}"[^}]*\} 1/,
      );
      // Raw paths never become label values.
      expect(text).not.toContain('secret-id-123');
      expect(text).not.toContain('nope');
    });
  });

  it('finishes an in-flight request after close() starts, and takes no new connections', async () => {
    const edge = await bootstrap(h.env({ SHUTDOWN_TIMEOUT_MS: '120000' }));
    let release: (() => void) | undefined;
    h.upstream.on('/slow', (_req: IncomingMessage, res: ServerResponse) => {
      release = () => res.end('finally');
    });
    const inFlight = request(
      `http://127.0.0.1:${edge.port}/restapis/api1/prod/_user_request_/slow`,
    );
    await eventually(() => expect(release).toBeDefined());

    const closing = edge.close();
    await eventually(async () => {
      const ready = await request(`http://127.0.0.1:${edge.opsPort}/readyz`);
      expect(ready.statusCode).toBe(503);
      await ready.body.dump();
    });
    await eventually(async () => {
      await expect(
        request(`http://127.0.0.1:${edge.port}/restapis/api1/prod/_user_request_/pets`),
      ).rejects.toThrow();
    });
    release!();
    const res = await inFlight;
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('finally');
    // The drain must end because the work ended, not at its (long) deadline.
    await closing;
  });

  it('closes keep-alive connections on close(): idle ones at once, busy ones after their response', async () => {
    const edge = await bootstrap(h.env({ SHUTDOWN_TIMEOUT_MS: '120000' }));
    const origin = `http://127.0.0.1:${edge.port}`;
    const idle = new Client(origin);
    const busy = new Client(origin);
    const disconnected = new Set<string>();
    idle.on('disconnect', () => disconnected.add('idle'));
    busy.on('disconnect', () => disconnected.add('busy'));
    try {
      const first = await idle.request({
        path: '/restapis/api1/prod/_user_request_/pets',
        method: 'GET',
      });
      await first.body.dump();
      expect(first.headers['connection']).not.toBe('close');
      let release: (() => void) | undefined;
      h.upstream.on('/hold', (_req: IncomingMessage, res: ServerResponse) => {
        release = () => res.end('held');
      });
      const held = busy.request({
        path: '/restapis/api1/prod/_user_request_/up/hold',
        method: 'GET',
      });
      await eventually(() => expect(release).toBeDefined());

      const closing = edge.close();
      await eventually(() => expect(disconnected.has('idle')).toBe(true));
      expect(disconnected.has('busy')).toBe(false);
      release!();
      const res = await held;
      expect(res.statusCode).toBe(200);
      expect(res.headers['connection']).toBe('close');
      expect(await res.body.text()).toBe('held');
      await eventually(() => expect(disconnected.has('busy')).toBe(true));
      // Ends because the connections ended, not at the two-minute deadline (jest would time out).
      await closing;
    } finally {
      await Promise.all([idle.destroy(), busy.destroy()]);
    }
  });
});

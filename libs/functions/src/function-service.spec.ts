import { createServer, type Server } from 'node:net';
import { DEADLINE_HEADER, functionInvokeSubject } from '@portico/contracts';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { connect, headers, type NatsConnection } from 'nats';
import pino from 'pino';
import { startFunctionService, type FunctionService } from './function-service';
import type { LambdaHandler } from './lambda.types';

const silent = pino({ level: 'silent' });

interface Readiness {
  status: number;
  body: { status: string; checks: Record<string, boolean> };
}

/** `portico-fn`'s ops server: health, readiness through start and drain, and its metrics. */
describe('function service (runner + ops server)', () => {
  let infra: TestInfra;
  let nc: NatsConnection;
  const services: FunctionService[] = [];

  beforeAll(async () => {
    infra = await startInfra();
    nc = await connect({ servers: infra.natsUrl });
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await nc?.close();
    await infra?.stop();
  });

  async function start(name: string, handler: LambdaHandler): Promise<FunctionService> {
    const service = await startFunctionService({
      natsUrl: infra.natsUrl,
      name,
      handler,
      logger: silent,
      opsHost: '127.0.0.1',
      opsPort: 0,
    });
    services.push(service);
    return service;
  }

  async function invoke(name: string, event: unknown): Promise<{ ok: boolean }> {
    const h = headers();
    h.set(DEADLINE_HEADER, String(Date.now() + 10_000));
    const msg = await nc.request(functionInvokeSubject(name), Buffer.from(JSON.stringify(event)), {
      timeout: 10_000,
      headers: h,
    });
    return JSON.parse(msg.string()) as { ok: boolean };
  }

  async function readiness(service: FunctionService): Promise<Readiness> {
    const res = await fetch(`http://127.0.0.1:${service.opsPort}/readyz`);
    return { status: res.status, body: (await res.json()) as Readiness['body'] };
  }

  async function metrics(service: FunctionService): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${service.opsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return res.text();
  }

  /** The value of one series, found by its name and the labels it must carry. */
  function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      const labelText = line.slice(name.length + 1, line.lastIndexOf('}'));
      if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) {
        return Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
    return undefined;
  }

  it('is live and ready once subscribed, on a port picked for it', async () => {
    const service = await start('ops-ready-fn', async () => ({ statusCode: 200 }));
    expect(service.opsPort).toBeGreaterThan(0);
    const live = await fetch(`http://127.0.0.1:${service.opsPort}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    expect(await readiness(service)).toEqual({
      status: 200,
      body: { status: 'ready', checks: { nats: true, subscribed: true, notDraining: true } },
    });
    expect(await invoke('ops-ready-fn', {})).toMatchObject({ ok: true });
  });

  it('answers 503 on /readyz while it drains, then closes the ops port', async () => {
    const gates: Array<() => void> = [];
    const service = await start('ops-drain-fn', async () => {
      await new Promise<void>((resolve) => gates.push(resolve));
      return { statusCode: 200, body: 'drained' };
    });
    const inFlight = invoke('ops-drain-fn', {});
    await eventually(() => expect(service.runner.stats().running).toBe(1));
    const closed = service.close();
    const draining = await readiness(service);
    expect(draining.status).toBe(503);
    expect(draining.body).toMatchObject({
      status: 'not ready',
      checks: { notDraining: false, subscribed: false },
    });
    // Still draining: the accepted invocation finishes and is answered.
    gates.forEach((release) => release());
    expect(await inFlight).toEqual({ ok: true, result: { statusCode: 200, body: 'drained' } });
    await closed;
    await expect(fetch(`http://127.0.0.1:${service.opsPort}/healthz`)).rejects.toThrow();
  });

  it('counts ok and failed invocations by function and outcome, with durations', async () => {
    const gates: Array<() => void> = [];
    const service = await start('ops-metrics-fn', async (event: unknown) => {
      const { mode } = event as { mode: string };
      if (mode === 'fail') throw new Error('handler failed');
      if (mode === 'hold') await new Promise<void>((resolve) => gates.push(resolve));
      return { statusCode: 200 };
    });
    expect(await invoke('ops-metrics-fn', { mode: 'ok' })).toMatchObject({ ok: true });
    expect(await invoke('ops-metrics-fn', { mode: 'fail' })).toMatchObject({ ok: false });
    const held = invoke('ops-metrics-fn', { mode: 'hold' });
    await eventually(() => expect(gates).toHaveLength(1));

    const during = await metrics(service);
    const fn = { function: 'ops-metrics-fn' };
    const total = 'portico_function_invocations_total';
    expect(sample(during, total, { ...fn, outcome: 'ok' })).toBe(1);
    expect(sample(during, total, { ...fn, outcome: 'error' })).toBe(1);
    expect(sample(during, 'portico_function_duration_ms_count', { ...fn, outcome: 'ok' })).toBe(1);
    expect(sample(during, 'portico_function_duration_ms_count', { ...fn, outcome: 'error' })).toBe(
      1,
    );
    expect(sample(during, 'portico_function_in_flight', fn)).toBe(1);
    expect(sample(during, 'portico_function_queued', fn)).toBe(0);
    // The process metrics of every service are there too, labelled with the service.
    expect(sample(during, 'process_cpu_seconds_total', { service: 'portico-fn' })).toEqual(
      expect.any(Number),
    );

    gates.forEach((release) => release());
    expect(await held).toMatchObject({ ok: true });
    const after = await metrics(service);
    expect(sample(after, total, { ...fn, outcome: 'ok' })).toBe(2);
    expect(sample(after, 'portico_function_in_flight', fn)).toBe(0);
  });

  it('refuses to start when its ops port is taken, before it connects to NATS', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(
        startFunctionService({
          natsUrl: infra.natsUrl,
          name: 'ops-taken-fn',
          handler: async () => ({ statusCode: 200 }),
          logger: silent,
          opsHost: '127.0.0.1',
          opsPort: port,
        }),
      ).rejects.toThrow(/EADDRINUSE|address already in use/i);
      // Nothing subscribed: a caller gets no responders rather than a runner without ops.
      await expect(invoke('ops-taken-fn', {})).rejects.toThrow(/no responders|503/i);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

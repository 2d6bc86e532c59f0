import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import type { Integration, UsagePlanStore } from '@portico/definitions';
import { HealthService } from '@portico/platform';
import { eventually } from '@portico/testing';
import pino from 'pino';
import { Registry } from 'prom-client';
import { request } from 'undici';
import type { EdgeConfig } from '../config';
import {
  IntegrationFailure,
  type InvocationRequest,
  type InvocationResponse,
  type Invoker,
  PayloadTooLargeError,
} from '../integrations';
import { AccessLog } from '../observability/access-log';
import { EdgeMetrics } from '../observability/edge-metrics';
import { compileStage } from '../stages/compiled-stage';
import type { StageRegistry } from '../stages/stage-registry.service';
import { activeStage, resource } from '../testing/api-factory';
import { rawRequest } from '../testing/raw-http';
import { ConnectionsClient } from '../websocket/connections-client';
import { ConnectionsEndpoint } from '../websocket/connections-endpoint';
import { AccessControl } from '../auth/access-control';
import { ApiKeyGate } from '../auth/api-key-gate';
import { AuthEvents } from '../auth/auth-events';
import { ThrottleGate } from '../throttling/throttle-gate';
import { UsagePlanRegistry } from '../stages/usage-plan-registry';
import { IamGate } from '../auth/iam-gate';
import { AuthorizerGate } from '../auth/authorizer-gate';
import { JwtGate } from '../auth/jwt-gate';
import { RequestPipeline } from './request-pipeline.service';

/**
 * The pipeline's failure handling, driven over real HTTP with a scripted invoker (stages and
 * integrations are exercised for real in data-plane.spec.ts).
 */
/** No method here requires an API key: no plan is ever looked up. */
const noUsagePlans = new UsagePlanRegistry({} as UsagePlanStore);

describe('RequestPipeline failure handling', () => {
  const stage = compileStage(
    activeStage({ apiId: 'api', stageName: 'prod', resources: [resource('/r', ['ANY'])] }),
    { region: 'us-east-1', accountId: '123456789012' },
  );
  const directory = { loaded: true, known: true };
  const registry = {
    stage: () => (directory.known ? stage : undefined),
    domain: () => undefined,
    get isLoaded() {
      return directory.loaded;
    },
  } as unknown as StageRegistry;
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  let script: (req: InvocationRequest) => Promise<InvocationResponse>;
  const invoker: Invoker = { invoke: (_i: Integration, req: InvocationRequest) => script(req) };
  let server: Server;
  let base: string;
  let port: number;

  beforeAll(async () => {
    const config = {
      MAX_BODY_BYTES: 8,
      PORTICO_DOMAIN: 'localhost',
      PORTICO_ACCOUNT_ID: '123456789012',
      TRUSTED_PROXIES: [],
      // No ratelimit service here: throttling fails open.
      THROTTLE_FAILURE_MODE: 'open',
      THROTTLE_ACCOUNT_RATE: 10000,
      THROTTLE_ACCOUNT_BURST: 5000,
      THROTTLE_LEASE_FRACTION: 0.01,
      THROTTLE_LEASE_TTL_MS: 250,
      THROTTLE_TIMEOUT_MS: 50,
    } as unknown as EdgeConfig;
    // No method here has authorization: the gates are never asked.
    const events = new AuthEvents(null, logger);
    const pipeline = new RequestPipeline(
      config,
      registry,
      invoker,
      new EdgeMetrics(new Registry()),
      new AccessLog(logger),
      new HealthService(),
      logger,
      // No stage here is a WebSocket API: the @connections endpoint is never reached.
      new ConnectionsEndpoint(config, new ConnectionsClient(null, config)),
      new AccessControl(
        config,
        new ApiKeyGate(null, config, new Registry(), events, noUsagePlans),
        new AuthorizerGate(null, config, logger, new Registry()),
        new JwtGate(config, logger, new Registry()),
        new IamGate(null, config, new Registry(), events),
        new ThrottleGate(null, config, new Registry(), logger),
        logger,
      ),
    );
    server = createServer((req, res) => pipeline.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}/restapis/api/prod/_user_request_/r`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    lines.length = 0;
    directory.loaded = true;
    directory.known = true;
  });

  const answered = async (init?: Parameters<typeof request>[1]) => {
    const res = await request(base, init);
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  };

  it('answers 500 Internal server error for an unexpected error and logs it with the request id', async () => {
    script = async () => {
      throw new TypeError('boom');
    };
    const res = await answered();
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text)).toEqual({ message: 'Internal server error' });
    const requestId = res.headers['x-amzn-requestid'];
    const error = lines.find((l) => l['msg'] === 'Unexpected error in the request pipeline');
    expect(error).toMatchObject({ requestId, level: 50 });
    const access = lines.find((l) => l['log'] === 'access');
    expect(access).toMatchObject({
      requestId,
      status: 500,
      resourcePath: '/r',
      apiId: 'api',
      stage: 'prod',
    });
    expect(access?.['errorMessage']).toContain('boom');
  });

  it('answers 503, not Forbidden, while no stage has ever loaded', async () => {
    directory.known = false;
    directory.loaded = false;
    const early = await answered();
    expect(early.status).toBe(503);
    expect(JSON.parse(early.text)).toEqual({ message: 'Service Unavailable' });
    expect(early.headers['x-amzn-requestid']).toBeDefined();
    directory.loaded = true;
    const loaded = await answered();
    expect(loaded.status).toBe(403);
    expect(JSON.parse(loaded.text)).toEqual({ message: 'Forbidden' });
  });

  it('answers with the status and message an IntegrationFailure carries', async () => {
    script = async () => {
      throw new IntegrationFailure(
        'INTEGRATION_TIMEOUT',
        504,
        'upstream slow',
        'Endpoint request timed out',
      );
    };
    const res = await answered();
    expect(res.status).toBe(504);
    expect(JSON.parse(res.text)).toEqual({ message: 'Endpoint request timed out' });
    script = async () => {
      throw new IntegrationFailure(
        'INTEGRATION_FAILURE',
        502,
        'bad lambda output',
        'Internal server error',
      );
    };
    expect((await answered()).status).toBe(502);
  });

  it('answers 413 when the body limit tripped, whatever the integration made of it', async () => {
    script = async (req) => {
      await req.body.readAll().catch(() => undefined);
      throw new IntegrationFailure('INTEGRATION_FAILURE', 502, 'wrapped', 'Internal server error');
    };
    const res = await answered({
      method: 'POST',
      body: Readable.from([Buffer.from('0123456789abcdef')]),
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toEqual({ message: 'Request Entity Too Large' });
    script = async () => {
      throw new PayloadTooLargeError(8);
    };
    expect((await answered()).status).toBe(413);
  });

  it('answers 500 when an integration response cannot be written (a status out of range)', async () => {
    script = async () => ({ statusCode: 1000, headers: {}, body: 'x', integrationLatencyMs: 1 });
    const res = await answered();
    expect(res.status).toBe(500);
    expect(res.headers['x-amzn-requestid']).toBeDefined();
  });

  it('cuts the response short when a streamed body fails midway, and logs it', async () => {
    script = async () => ({
      statusCode: 200,
      headers: { 'content-type': 'text/plain' },
      body: new Readable({
        read() {
          this.push('partial');
          this.destroy(new Error('upstream died'));
        },
      }),
      integrationLatencyMs: 1,
    });
    const outcome = await request(base)
      .then((res) => res.body.text())
      .then(
        () => 'complete',
        () => 'cut short',
      );
    expect(outcome).toBe('cut short');
    await eventually(() =>
      expect(lines.find((l) => l['msg'] === 'Response stream failed')).toBeDefined(),
    );
  });

  it('drops the connection once an unread body goes past the limit after the answer', async () => {
    script = async () => ({ statusCode: 200, headers: {}, body: 'early', integrationLatencyMs: 1 });
    // rawRequest resolves only once the server closes the connection; the limit here is 8 bytes.
    const res = await rawRequest(
      port,
      'POST /restapis/api/prod/_user_request_/r HTTP/1.1\r\nHost: localhost\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n',
    );
    expect(res.status).toBe(200);
    expect(res.body).toBe('early');
  });

  it('records the outcome in metrics and the access log once per request', async () => {
    script = async () => ({
      statusCode: 201,
      headers: { 'x-up': '1' },
      body: Buffer.from('made'),
      integrationLatencyMs: 7,
    });
    const res = await answered();
    expect(res).toMatchObject({ status: 201, text: 'made' });
    expect(res.headers['content-length']).toBe('4');
    await eventually(() => expect(lines.some((l) => l['log'] === 'access')).toBe(true));
    const access = lines.filter((l) => l['log'] === 'access');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ status: 201, responseLength: 4, integrationLatency: 7 });
    expect(access[0]).not.toHaveProperty('errorMessage');
  });

  it('streams a response through and does not take its end for a client going away', async () => {
    let signal: AbortSignal | undefined;
    script = async (req) => {
      signal = req.signal;
      return {
        statusCode: 200,
        headers: {},
        body: Readable.from(['a', 'b', 'c']),
        integrationLatencyMs: 1,
      };
    };
    const res = await answered();
    expect(res.text).toBe('abc');
    await eventually(() => expect(lines.some((l) => l['log'] === 'access')).toBe(true));
    const access = lines.find((l) => l['log'] === 'access');
    expect(access).toMatchObject({ status: 200, responseLength: 3 });
    expect(access).not.toHaveProperty('errorMessage');
    expect(signal?.aborted).toBe(false);
  });
});

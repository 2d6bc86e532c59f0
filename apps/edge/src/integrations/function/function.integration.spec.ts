import { Writable } from 'node:stream';
import type { Integration } from '@portico/definitions';
import { type FunctionRunner, type LambdaContext, startFunctionRunner } from '@portico/functions';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { functionInvokeSubject } from '@portico/contracts';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { IntegrationFailure } from '../integration.types';
import {
  testBody,
  testIntegration,
  testInvocationRequest,
} from '../testing/invocation-request.factory';
import { bodyBuffer, bodyText, rejectionOf } from '../testing/read-response.fixture';
import { FunctionIntegration } from './function.integration';
import type { ProxyEventV1 } from './proxy-event';

const lambdaUri = (name: string): string =>
  `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${name}/invocations`;

/** An AWS_PROXY integration as API Gateway requires it: invoked with POST. */
const fnIntegration = (uri: string, extra: Partial<Integration> = {}): Integration =>
  testIntegration({ type: 'AWS_PROXY', httpMethod: 'POST', uri, ...extra });

describe('AWS_PROXY integration over NATS', () => {
  let infra: TestInfra;
  let nc: NatsConnection;
  let fn: FunctionIntegration;
  const logLines: Array<Record<string, unknown>> = [];
  const runners: FunctionRunner[] = [];
  const quiet = pino({ level: 'silent' });

  beforeAll(async () => {
    infra = await startInfra();
    nc = await connect({ servers: infra.natsUrl });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    fn = new FunctionIntegration(nc, pino({ level: 'info' }, sink), '123456789012');

    const serve = async (
      name: string,
      handler: Parameters<typeof startFunctionRunner>[0]['handler'],
    ) => {
      runners.push(
        await startFunctionRunner({ natsUrl: infra.natsUrl, name, handler, logger: quiet }),
      );
    };
    await serve('echo', async (event: unknown, context: LambdaContext) => {
      const e = event as ProxyEventV1;
      return {
        statusCode: 201,
        headers: { 'Content-Type': 'application/json', 'X-Single': 'one' },
        multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
        body: JSON.stringify({
          event: e,
          awsRequestId: context.awsRequestId,
          remaining: context.getRemainingTimeInMillis(),
        }),
      };
    });
    await serve('binary', async () => ({
      statusCode: 200,
      headers: { 'content-type': 'image/png' },
      body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff]).toString('base64'),
      isBase64Encoded: true,
    }));
    await serve('bare', async () => ({ statusCode: 200, body: '{"ok":true}' }));
    await serve('thrower', async () => {
      throw new Error('handler exploded');
    });
    await serve('malformed', async () => ({ statusCode: 200, body: { not: 'a string' } }));
    await serve('slow', () => new Promise(() => undefined));
    await serve('splitter', async () => ({
      statusCode: 200,
      headers: { 'X-Evil': 'a\r\nSet-Cookie: session=stolen' },
    }));
  });

  afterAll(async () => {
    await Promise.all(runners.map((r) => r.close()));
    await nc.close();
    await infra.stop();
  });

  it('invokes the function with the proxy event and returns its response', async () => {
    const req = testInvocationRequest({
      httpMethod: 'POST',
      headers: { 'content-type': ['application/json'], 'x-multi': ['1', '2'] },
      query: { q: ['x'] },
      rawQuery: 'q=x',
      stageVariables: { fn: 'echo' },
      body: '{"name":"Rex"}',
    });
    const res = await fn.invoke(
      fnIntegration(lambdaUri('${stageVariables.fn}'), { timeoutInMillis: 5_000 }),
      req,
    );
    expect(res.statusCode).toBe(201);
    expect(res.headers).toEqual({
      'Content-Type': 'application/json',
      'X-Single': 'one',
      'Set-Cookie': ['a=1', 'b=2'],
    });
    const { event, awsRequestId, remaining } = JSON.parse(await bodyText(res)) as {
      event: ProxyEventV1;
      awsRequestId: string;
      remaining: number;
    };
    expect(awsRequestId).toBe(req.requestId);
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(5_000);
    expect(event).toMatchObject({
      resource: '/pets/{id}',
      path: '/pets/1',
      httpMethod: 'POST',
      headers: { 'content-type': 'application/json', 'x-multi': '2' },
      multiValueHeaders: { 'x-multi': ['1', '2'] },
      queryStringParameters: { q: 'x' },
      pathParameters: { id: '1' },
      stageVariables: { fn: 'echo' },
      body: '{"name":"Rex"}',
      isBase64Encoded: false,
      requestContext: {
        requestId: req.requestId,
        stage: 'prod',
        apiId: 'a1b2c3d4e5',
        path: '/prod/pets/1',
      },
    });
    expect(res.integrationLatencyMs).toBeGreaterThanOrEqual(0);
  });

  it('sends a binary body base64-encoded and decodes a base64 response', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00]);
    const res = await fn.invoke(
      fnIntegration(lambdaUri('binary')),
      testInvocationRequest({
        httpMethod: 'PUT',
        headers: { 'content-type': ['image/png'], accept: ['image/png'] },
        binaryMediaTypes: ['image/*'],
        body: testBody(png),
      }),
    );
    expect(res.headers).toEqual({ 'content-type': 'image/png' });
    expect(await bodyBuffer(res)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff]));
  });

  it('answers application/json when the function names no content type', async () => {
    const res = await fn.invoke(fnIntegration('bare'), testInvocationRequest());
    expect(res.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(await bodyText(res)).toBe('{"ok":true}');
  });

  it('answers 502 Internal server error when the handler throws', async () => {
    const err = await rejectionOf(
      fn.invoke(fnIntegration(lambdaUri('thrower')), testInvocationRequest()),
    );
    expect(err).toBeInstanceOf(IntegrationFailure);
    expect(err).toMatchObject({
      statusCode: 502,
      responseType: 'INTEGRATION_FAILURE',
      clientMessage: 'Internal server error',
    });
    expect((err as Error).message).toContain('handler exploded');
  });

  it('answers 502 for a malformed proxy response and logs what is wrong', async () => {
    const req = testInvocationRequest({ requestId: 'malformed-req-1' });
    const err = await rejectionOf(fn.invoke(fnIntegration(lambdaUri('malformed')), req));
    expect(err).toMatchObject({ statusCode: 502, clientMessage: 'Internal server error' });
    const line = logLines.find((l) => l.requestId === 'malformed-req-1');
    expect(line).toMatchObject({ function: 'malformed', msg: 'Malformed Lambda proxy response' });
    expect(String(line?.problem)).toMatch(/body must be a string/);
  });

  it('answers 503 at once when no runner serves the function', async () => {
    // With the full 29 s budget, only no-responders (not a timeout) can produce this answer.
    const err = await rejectionOf(
      fn.invoke(
        fnIntegration(lambdaUri('nobody-home'), { timeoutInMillis: 29_000 }),
        testInvocationRequest(),
      ),
    );
    expect(err).toMatchObject({
      statusCode: 503,
      responseType: 'INTEGRATION_FAILURE',
      clientMessage: 'Service Unavailable',
    });
  });

  it('answers 503 at once when the runner it reached is full', async () => {
    // A runner refuses what reaches it after its last slot was taken (before the server saw it
    // leave the queue group): the same answer as no-responders, not a 502 function error.
    const sub = nc.subscribe(functionInvokeSubject('full'), {
      callback: (_err, msg) =>
        msg.respond(
          JSON.stringify({ ok: false, error: { code: 'Unavailable', message: 'runner is full' } }),
        ),
    });
    const err = await rejectionOf(
      fn.invoke(
        fnIntegration(lambdaUri('full'), { timeoutInMillis: 29_000 }),
        testInvocationRequest(),
      ),
    );
    sub.unsubscribe();
    expect(err).toMatchObject({
      statusCode: 503,
      responseType: 'INTEGRATION_FAILURE',
      clientMessage: 'Service Unavailable',
    });
  });

  it('keeps reaching a small runner under closed-loop load, bursts and clients that leave', async () => {
    const tiny = await startFunctionRunner({
      natsUrl: infra.natsUrl,
      name: 'tiny',
      handler: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return { statusCode: 200, body: 'tiny' };
      },
      concurrency: 2,
      maxQueued: 2,
      logger: quiet,
    });
    runners.push(tiny);
    const integration = fnIntegration(lambdaUri('tiny'), { timeoutInMillis: 5_000 });
    const statusOf = (signal?: AbortSignal): Promise<number> =>
      fn.invoke(integration, testInvocationRequest(signal ? { signal } : {})).then(
        (res) => res.statusCode,
        (err: unknown) => (err instanceof IntegrationFailure ? err.statusCode : -1),
      );
    // As `pnpm bench` drives it: clients each sending their next request on the answer, more
    // of them than half the runner's slots (and fewer than all): every one must succeed.
    const looped: number[] = [];
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let i = 0; i < 100; i++) looped.push(await statusOf());
      }),
    );
    expect(looped.filter((status) => status === 200)).toHaveLength(300);
    // Then bursts beyond its capacity, every other one abandoned by its clients mid-flight.
    for (let round = 0; round < 6; round++) {
      const leave = round % 2 === 1;
      const controllers = Array.from({ length: 12 }, () => new AbortController());
      const statuses = controllers.map((c) => statusOf(c.signal));
      if (leave) setTimeout(() => controllers.forEach((c) => c.abort()), 1);
      const seen = await Promise.all(statuses);
      // 200, 503 (full) or 502 (client went away): never a timeout, never lost.
      expect(seen.every((status) => [200, 502, 503].includes(status))).toBe(true);
      if (!leave) expect(seen.filter((status) => status === 200).length).toBeGreaterThanOrEqual(4);
      // The runner is back in its queue group: at once after a round that ran to the end, as
      // soon as it has room after one whose clients left (it still runs what they left behind;
      // the next round starts once it is idle).
      if (leave) {
        await eventually(async () => expect(await statusOf()).toBe(200));
        await eventually(() => expect(tiny.stats()).toEqual({ running: 0, queued: 0 }));
      } else expect(await statusOf()).toBe(200);
    }
  });

  it('answers 504 Endpoint request timed out when the function is slower than the timeout', async () => {
    const err = await rejectionOf(
      fn.invoke(
        fnIntegration(lambdaUri('slow'), { timeoutInMillis: 100 }),
        testInvocationRequest(),
      ),
    );
    expect(err).toMatchObject({
      statusCode: 504,
      responseType: 'INTEGRATION_TIMEOUT',
      clientMessage: 'Endpoint request timed out',
    });
  });

  it('answers 504 when the runner reports the timeout before the edge notices it', async () => {
    const sub = nc.subscribe(functionInvokeSubject('expired'), {
      callback: (_err, msg) =>
        msg.respond(
          JSON.stringify({
            ok: false,
            error: { code: 'FunctionTimeout', message: 'Task timed out' },
          }),
        ),
    });
    const err = await rejectionOf(
      fn.invoke(fnIntegration(lambdaUri('expired')), testInvocationRequest()),
    );
    sub.unsubscribe();
    expect(err).toMatchObject({ statusCode: 504, responseType: 'INTEGRATION_TIMEOUT' });
  });

  it('answers 500 for a URI that names no function', async () => {
    const err = await rejectionOf(
      fn.invoke(fnIntegration('arn:aws:s3:::bucket'), testInvocationRequest()),
    );
    expect(err).toMatchObject({ statusCode: 500, responseType: 'API_CONFIGURATION_ERROR' });
  });

  it('stops waiting when the client goes away', async () => {
    const controller = new AbortController();
    const pending = rejectionOf(
      fn.invoke(
        // The runner still holds the invocation until its deadline; a short one keeps afterAll's drain short.
        fnIntegration(lambdaUri('slow'), { timeoutInMillis: 1_000 }),
        testInvocationRequest({ signal: controller.signal }),
      ),
    );
    controller.abort();
    // 502 and this message, not the 504 the 1 s timeout would give.
    expect(await pending).toMatchObject({
      statusCode: 502,
      message: expect.stringContaining('Client went away'),
    });
  });

  it('answers 500, as API Gateway, when the integration method is not POST', async () => {
    const err = await rejectionOf(
      fn.invoke(fnIntegration(lambdaUri('bare'), { httpMethod: 'GET' }), testInvocationRequest()),
    );
    expect(err).toMatchObject({ statusCode: 500, responseType: 'API_CONFIGURATION_ERROR' });
    expect((err as Error).message).toMatch(/invoked with POST/);
  });

  it('answers 502 for a runner reply that is not JSON or has no ok field', async () => {
    const garbage = nc.subscribe(functionInvokeSubject('garbage'), {
      callback: (_err, msg) => msg.respond(Buffer.from('<html>not json')),
    });
    const noOk = nc.subscribe(functionInvokeSubject('no-ok'), {
      callback: (_err, msg) => msg.respond(Buffer.from('{"result":{"statusCode":200}}')),
    });
    await nc.flush();
    try {
      for (const name of ['garbage', 'no-ok']) {
        const req = testInvocationRequest({ requestId: `bad-reply-${name}` });
        const err = await rejectionOf(fn.invoke(fnIntegration(lambdaUri(name)), req));
        expect(err).toMatchObject({ statusCode: 502, clientMessage: 'Internal server error' });
        expect(logLines.some((l) => l.requestId === req.requestId)).toBe(true);
      }
    } finally {
      garbage.unsubscribe();
      noOk.unsubscribe();
    }
  });

  it('answers 502 for a header the client must not receive (CR/LF from the function)', async () => {
    const err = await rejectionOf(
      fn.invoke(fnIntegration(lambdaUri('splitter')), testInvocationRequest()),
    );
    expect(err).toMatchObject({ statusCode: 502 });
    expect((err as Error).message).toMatch(/X-Evil/);
  });
});

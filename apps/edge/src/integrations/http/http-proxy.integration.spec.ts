import { getEventListeners, once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import {
  IntegrationFailure,
  type InvocationBody,
  PayloadTooLargeError,
} from '../integration.types';
import {
  startRawServer,
  startTestUpstream,
  testUpstreamClient,
  type TestUpstream,
} from '../testing/http-upstream.fixture';
import {
  testBody,
  testIntegration,
  testInvocationRequest,
} from '../testing/invocation-request.factory';
import { bodyText, rejectionOf } from '../testing/read-response.fixture';
import { HttpProxyIntegration } from './http-proxy.integration';
import { UpstreamClient } from './upstream-client';

describe('HTTP_PROXY integration', () => {
  let client: UpstreamClient;
  let proxy: HttpProxyIntegration;
  let upstream: TestUpstream;

  beforeAll(async () => {
    client = testUpstreamClient();
    proxy = new HttpProxyIntegration(client, 1024 * 1024, '123456789012');
    upstream = await startTestUpstream((req, res, body) => {
      if (req.url?.startsWith('/big')) {
        res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) });
        res.end(Buffer.alloc(2 * 1024 * 1024));
        return;
      }
      if (req.url?.startsWith('/small')) {
        const text = JSON.stringify({ url: req.url });
        res.writeHead(200, { 'content-length': String(Buffer.byteLength(text)) });
        res.end(text);
        return;
      }
      if (req.url?.startsWith('/head')) {
        // A HEAD answer announces the GET body's length and sends none.
        res.writeHead(200, { 'content-length': '42', 'content-type': 'text/plain' });
        res.end();
        return;
      }
      if (req.url?.startsWith('/chunked')) {
        // No declared length: the body streams through.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('head;');
        setTimeout(() => res.end('tail'), 20);
        return;
      }
      res.setHeader('Keep-Alive', 'timeout=5');
      res.setHeader('Connection', 'keep-alive, X-Private');
      res.setHeader('X-Private', 'hop');
      res.setHeader('X-Upstream', 'yes');
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, length: body.length }));
    });
  });

  afterAll(async () => {
    await client.close();
    await upstream.close();
  });

  it('forwards method, path, query and headers and returns status, headers and body', async () => {
    const res = await proxy.invoke(
      testIntegration({ uri: `${upstream.url}/v1/pets/{id}` }),
      testInvocationRequest({
        httpMethod: 'POST',
        pathParameters: { id: '7' },
        rawQuery: 'tag=a%20b&tag=c',
        query: { tag: ['a b', 'c'] },
        headers: {
          host: ['api.example.com'],
          'content-type': ['application/json'],
          'x-client': ['one', 'two'],
        },
        body: '{"name":"Rex"}',
      }),
    );
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(await bodyText(res))).toEqual({
      method: 'POST',
      url: '/v1/pets/7?tag=a%20b&tag=c',
      length: 14,
    });
    expect(res.headers['x-upstream']).toBe('yes');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.integrationLatencyMs).toBeGreaterThanOrEqual(0);
    const seen = upstream.requests.at(-1);
    expect(seen?.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    expect(seen?.headers['x-client']).toBe('one, two');
    expect(seen?.headers['content-length']).toBe('14');
    expect(seen?.body.toString()).toBe('{"name":"Rex"}');
  });

  it('drops hop-by-hop headers the upstream sends, including those its Connection header names', async () => {
    const res = await proxy.invoke(
      testIntegration({ uri: `${upstream.url}/h` }),
      testInvocationRequest(),
    );
    await bodyText(res);
    expect(res.headers.connection).toBeUndefined();
    expect(res.headers['keep-alive']).toBeUndefined();
    expect(res.headers['x-private']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(res.headers['x-upstream']).toBe('yes');
  });

  it('resolves stage variables and the greedy path parameter in the URI', async () => {
    const res = await proxy.invoke(
      testIntegration({ uri: 'http://${stageVariables.backend}/files/{proxy}?from=gw' }),
      testInvocationRequest({
        stageVariables: { backend: `127.0.0.1:${upstream.port}` },
        resourcePath: '/files/{proxy+}',
        pathParameters: { proxy: 'docs/a b.txt' },
        rawQuery: 'x=1',
      }),
    );
    expect(JSON.parse(await bodyText(res)).url).toBe('/files/docs/a%20b.txt?from=gw&x=1');
  });

  it('forwards path parameters as the pipeline encoded them, with or without a mapping', async () => {
    const encoded = {
      resourcePath: '/up/{id}/{proxy+}',
      pathParameters: { id: 'a/b', proxy: 'a:b@c,d=e/f' },
      rawPathParameters: { id: 'a%2Fb', proxy: 'a:b@c,d=e/f' },
      rawQuery: 'x=1',
    };
    const unmapped = await proxy.invoke(
      testIntegration({ uri: `${upstream.url}/{id}/{proxy}` }),
      testInvocationRequest(encoded),
    );
    expect(JSON.parse(await bodyText(unmapped)).url).toBe('/a%2Fb/a:b@c,d=e/f?x=1');
    const mapped = await proxy.invoke(
      testIntegration({
        uri: `${upstream.url}/{first}/{proxy}`,
        requestParameters: {
          'integration.request.path.first': 'method.request.path.id',
          'integration.request.path.proxy': 'method.request.path.proxy',
        },
      }),
      testInvocationRequest(encoded),
    );
    expect(JSON.parse(await bodyText(mapped)).url).toBe('/a%2Fb/a:b@c,d=e/f?x=1');
  });

  it('encodes a path parameter a mapping sets from another source, as before', async () => {
    const res = await proxy.invoke(
      testIntegration({
        uri: `${upstream.url}/{id}/{proxy}`,
        requestParameters: { 'integration.request.path.id': 'method.request.header.x-id' },
      }),
      testInvocationRequest({
        resourcePath: '/up/{id}/{proxy+}',
        headers: { 'x-id': ['h:1/2'] },
        pathParameters: { id: 'a/b', proxy: 'c:d/e' },
        rawPathParameters: { id: 'a%2Fb', proxy: 'c:d/e' },
      }),
    );
    // The header value replaces id and is encoded afresh; proxy keeps its encoded form.
    expect(JSON.parse(await bodyText(res)).url).toBe('/h%3A1%2F2/c:d/e');
  });

  it('applies requestParameters to path, query string and headers', async () => {
    const res = await proxy.invoke(
      testIntegration({
        uri: `${upstream.url}/owners/{owner}`,
        requestParameters: {
          'integration.request.path.owner': 'method.request.header.x-owner',
          'integration.request.querystring.v': "'2'",
          'integration.request.header.x-stage': 'stageVariables.color',
          'integration.request.header.x-request-id': 'context.requestId',
        },
      }),
      testInvocationRequest({
        headers: { 'x-owner': ['ann'] },
        rawQuery: 'v=1&keep=yes',
        query: { v: ['1'], keep: ['yes'] },
        stageVariables: { color: 'green' },
      }),
    );
    expect(JSON.parse(await bodyText(res)).url).toBe('/owners/ann?keep=yes&v=2');
    const seen = upstream.requests.at(-1);
    expect(seen?.headers['x-stage']).toBe('green');
    expect(seen?.headers['x-request-id']).toBe('c0ffee00-0000-4000-8000-000000000001');
  });

  it('refuses a mapped header value with CR/LF from the client with 400, sending nothing', async () => {
    const before = upstream.requests.length;
    const err = await rejectionOf(
      proxy.invoke(
        testIntegration({
          uri: `${upstream.url}/inject`,
          requestParameters: {
            'integration.request.header.x-user': 'method.request.querystring.user',
          },
        }),
        testInvocationRequest({
          rawQuery: 'user=a%0D%0AX-Admin:%20true',
          query: { user: ['a\r\nX-Admin: true'] },
        }),
      ),
    );
    expect(err).toMatchObject({ statusCode: 400, responseType: 'BAD_REQUEST_PARAMETERS' });
    expect(upstream.requests.length).toBe(before);
  });

  it('uses the integration method when it is not ANY', async () => {
    const res = await proxy.invoke(
      testIntegration({ uri: `${upstream.url}/m`, httpMethod: 'POST' }),
      testInvocationRequest({ httpMethod: 'GET' }),
    );
    expect(JSON.parse(await bodyText(res)).method).toBe('POST');
  });

  it('answers 502 for a backend that announces a response larger than the limit', async () => {
    const err = await rejectionOf(
      proxy.invoke(testIntegration({ uri: `${upstream.url}/big` }), testInvocationRequest()),
    );
    expect(err).toBeInstanceOf(IntegrationFailure);
    expect(err).toMatchObject({ statusCode: 502, responseType: 'INTEGRATION_FAILURE' });
  });

  it('answers 502 Internal server error when the upstream refuses the connection', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const { port } = dead.address() as AddressInfo;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const err = await rejectionOf(
      proxy.invoke(testIntegration({ uri: `http://127.0.0.1:${port}/` }), testInvocationRequest()),
    );
    expect(err).toBeInstanceOf(IntegrationFailure);
    expect(err).toMatchObject({
      statusCode: 502,
      responseType: 'INTEGRATION_FAILURE',
      clientMessage: 'Internal server error',
    });
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('answers 502 when the upstream resets the connection', async () => {
    const reset = await startRawServer((req) => req.socket.destroy());
    try {
      const err = await rejectionOf(
        proxy.invoke(testIntegration({ uri: `${reset.url}/` }), testInvocationRequest()),
      );
      expect(err).toMatchObject({ statusCode: 502, responseType: 'INTEGRATION_FAILURE' });
    } finally {
      await reset.close();
    }
  });

  it('answers 504 Endpoint request timed out when the upstream does not answer in time', async () => {
    const silent = await startRawServer(() => undefined);
    try {
      const err = await rejectionOf(
        proxy.invoke(
          testIntegration({ uri: `${silent.url}/`, timeoutInMillis: 100 }),
          testInvocationRequest(),
        ),
      );
      expect(err).toBeInstanceOf(IntegrationFailure);
      expect(err).toMatchObject({
        statusCode: 504,
        responseType: 'INTEGRATION_TIMEOUT',
        clientMessage: 'Endpoint request timed out',
      });
    } finally {
      await silent.close();
    }
  });

  it('passes PayloadTooLargeError through when the request body passes the limit mid-stream', async () => {
    const big = Buffer.alloc(256 * 1024, 1);
    const err = await rejectionOf(
      proxy.invoke(
        testIntegration({ uri: `${upstream.url}/upload` }),
        testInvocationRequest({
          httpMethod: 'PUT',
          headers: {
            'content-type': ['application/octet-stream'],
            'transfer-encoding': ['chunked'],
          },
          body: testBody(big, { chunked: true, limit: 64 * 1024, chunkSize: 16 * 1024 }),
        }),
      ),
    );
    expect(err).toBeInstanceOf(PayloadTooLargeError);
  });

  it('streams the request body to the upstream before the client has finished sending it', async () => {
    let firstChunk!: () => void;
    const upstreamGotFirstChunk = new Promise<void>((resolve) => (firstChunk = resolve));
    const echo = await startRawServer((req, res) => {
      const parts: string[] = [];
      req.on('data', (chunk: Buffer) => {
        parts.push(chunk.toString());
        firstChunk();
      });
      req.on('end', () => res.end(parts.join('|')));
    });
    const source = new PassThrough();
    const body: InvocationBody = {
      empty: false,
      stream: () => source,
      readAll: () => Promise.reject(new Error('the proxy must not buffer the body')),
    };
    try {
      const pending = proxy.invoke(
        testIntegration({ uri: `${echo.url}/` }),
        testInvocationRequest({
          httpMethod: 'POST',
          headers: { 'content-type': ['text/plain'] },
          body,
        }),
      );
      source.write('first');
      // Only a streamed body reaches the upstream while the client is still sending.
      await upstreamGotFirstChunk;
      source.end('second');
      const res = await pending;
      expect(await bodyText(res)).toBe('first|second');
    } finally {
      await echo.close();
    }
  });

  it('streams the response body back before the upstream has finished it', async () => {
    let finish!: () => void;
    const release = new Promise<void>((resolve) => (finish = resolve));
    const slow = await startRawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('head;');
      void release.then(() => res.end('tail'));
    });
    try {
      const res = await proxy.invoke(
        testIntegration({ uri: `${slow.url}/` }),
        testInvocationRequest(),
      );
      expect(res.headers['transfer-encoding']).toBeUndefined(); // hop-by-hop: the edge frames its own response
      const stream = res.body as Readable;
      const [first] = (await once(stream, 'data')) as [Buffer];
      // The upstream is still holding the response open: this chunk came through a stream.
      expect(first.toString()).toBe('head;');
      finish();
      const rest: Buffer[] = [];
      for await (const chunk of stream) rest.push(chunk as Buffer);
      expect(Buffer.concat(rest).toString()).toBe('tail');
    } finally {
      await slow.close();
    }
  });

  it('hands a small body with a declared length over whole, and streams one without', async () => {
    const small = await proxy.invoke(
      testIntegration({ uri: `${upstream.url}/small` }),
      testInvocationRequest(),
    );
    expect(Buffer.isBuffer(small.body)).toBe(true);
    expect(JSON.parse(await bodyText(small)).url).toBe('/small');
    const streamed = await proxy.invoke(
      testIntegration({ uri: `${upstream.url}/chunked` }),
      testInvocationRequest(),
    );
    expect(streamed.body).toBeInstanceOf(Readable);
    expect(await bodyText(streamed)).toBe('head;tail');
  });

  it("keeps a HEAD answer's Content-Length, with no body to measure", async () => {
    const res = await proxy.invoke(
      testIntegration({ uri: `${upstream.url}/head` }),
      testInvocationRequest({ httpMethod: 'HEAD' }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe('42');
    // Streamed, so the writer passes the announced length on instead of the empty body's.
    expect(res.body).toBeInstanceOf(Readable);
    expect(await bodyText(res)).toBe('');
  });

  it('leaves no listener on the client signal once an exchange is over', async () => {
    const controller = new AbortController();
    const whole = await proxy.invoke(
      testIntegration({ uri: `${upstream.url}/small/listeners` }),
      testInvocationRequest({ signal: controller.signal }),
    );
    // A body that arrived whole ended its exchange before it was handed over.
    expect(JSON.parse(await bodyText(whole)).url).toBe('/small/listeners');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const res = await proxy.invoke(
      testIntegration({ uri: `${upstream.url}/chunked` }),
      testInvocationRequest({ signal: controller.signal }),
    );
    // While a streamed body is open the exchange listens for the client going away.
    expect(getEventListeners(controller.signal, 'abort').length).toBeGreaterThan(0);
    await bodyText(res);
    await new Promise((resolve) => setImmediate(resolve));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);

    const failed = new AbortController();
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const { port } = dead.address() as AddressInfo;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    await rejectionOf(
      proxy.invoke(
        testIntegration({ uri: `http://127.0.0.1:${port}/` }),
        testInvocationRequest({ signal: failed.signal }),
      ),
    );
    expect(getEventListeners(failed.signal, 'abort')).toHaveLength(0);
  });

  it('aborts the upstream exchange when the client goes away', async () => {
    let closed!: () => void;
    const upstreamSawClose = new Promise<void>((resolve) => (closed = resolve));
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const hanging = await startRawServer((req) => {
      req.socket.on('close', () => closed());
      arrived();
    });
    const controller = new AbortController();
    try {
      const pending = rejectionOf(
        proxy.invoke(
          testIntegration({ uri: `${hanging.url}/` }),
          testInvocationRequest({ signal: controller.signal }),
        ),
      );
      await requestArrived;
      controller.abort();
      const err = await pending;
      expect(err).toBeInstanceOf(IntegrationFailure);
      await upstreamSawClose; // resolves only if the edge really dropped the upstream request
    } finally {
      await hanging.close();
    }
  });

  it('fails a request still waiting for a connection at its timeout, or when its client leaves', async () => {
    const hanging = await startRawServer(() => undefined);
    // One connection, held by a request that never gets an answer: the next ones queue.
    const single = new UpstreamClient({
      connections: 1,
      keepAliveTimeoutMs: 4_000,
      connectTimeoutMs: 2_000,
    });
    const oneLane = new HttpProxyIntegration(single, 1024 * 1024, '123456789012');
    const holder = new AbortController();
    try {
      const held = rejectionOf(
        oneLane.invoke(
          testIntegration({ uri: `${hanging.url}/held` }),
          testInvocationRequest({ signal: holder.signal }),
        ),
      );
      const timedOut = await rejectionOf(
        oneLane.invoke(
          testIntegration({ uri: `${hanging.url}/queued`, timeoutInMillis: 100 }),
          testInvocationRequest(),
        ),
      );
      expect(timedOut).toMatchObject({ statusCode: 504, responseType: 'INTEGRATION_TIMEOUT' });

      const leaving = new AbortController();
      const left = rejectionOf(
        oneLane.invoke(
          testIntegration({ uri: `${hanging.url}/queued` }),
          testInvocationRequest({ signal: leaving.signal }),
        ),
      );
      leaving.abort();
      expect(await left).toBeInstanceOf(IntegrationFailure);
      holder.abort();
      expect(await held).toBeInstanceOf(IntegrationFailure);
    } finally {
      await single.close().catch(() => undefined);
      await hanging.close();
    }
  });
});

import type { IncomingMessage } from 'node:http';
import type { RunningService } from '@portico/platform';
import { eventually } from '@portico/testing';
import { Client } from 'undici';
import type { EchoBody } from '../testing/edge-fixtures';
import { type StandardHarness, startStandardHarness, type Upstream } from '../testing/edge-harness';
import { rawRequest } from '../testing/raw-http';

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
}

describe('forwarding to integrations', () => {
  let h: StandardHarness;
  let upstream: Upstream;
  let plain: RunningService;
  let behindProxy: RunningService;
  const clients: Client[] = [];

  beforeAll(async () => {
    h = await startStandardHarness();
    upstream = h.upstream;
    plain = await h.startEdge();
    behindProxy = await h.startEdge({ TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1' });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await h?.close();
  });

  async function call(edge: RunningService, path: string, headers: Record<string, string> = {}) {
    const client = new Client(`http://127.0.0.1:${edge.port}`);
    clients.push(client);
    const res = await client.request({
      path: `/restapis/api1/prod/_user_request_${path}`,
      method: 'GET',
      headers,
    });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  }

  it('strips hop-by-hop headers, and those Connection names, before the integration sees them', async () => {
    // Raw bytes: HTTP clients refuse to send most of these.
    const res = await rawRequest(
      plain.port,
      [
        'GET /restapis/api1/prod/_user_request_/up/hop HTTP/1.1',
        'Host: localhost',
        'Connection: close, X-Hop-Secret',
        'X-Hop-Secret: leak',
        'Keep-Alive: timeout=5',
        'Proxy-Authorization: Basic c2VjcmV0',
        'TE: trailers',
        'X-End-To-End: kept',
      ].join('\r\n') + '\r\n\r\n',
    );
    const seen = JSON.parse(res.body) as Seen;
    expect(seen.url).toBe('/hop');
    expect(seen.headers['x-end-to-end']).toBe('kept');
    for (const name of ['x-hop-secret', 'keep-alive', 'proxy-authorization', 'te']) {
      expect(seen.headers[name]).toBeUndefined();
    }
  });

  it('replaces X-Forwarded-* from an untrusted client with its own view', async () => {
    const res = await call(plain, '/up/fwd', {
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      forwarded: 'for=6.6.6.6',
    });
    const seen = JSON.parse(res.text) as Seen;
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-port']).toBe(String(plain.port));
    expect(seen.headers['x-forwarded-host']).toBe(`127.0.0.1:${plain.port}`);
    expect(seen.headers['forwarded']).toBeUndefined();
    const echo = JSON.parse(
      (await call(plain, '/pets', { 'x-forwarded-for': '6.6.6.6' })).text,
    ) as EchoBody;
    expect(echo.ip).toBe('127.0.0.1');
  });

  it('keeps and appends to X-Forwarded-* from a trusted proxy and takes the client IP from it', async () => {
    const res = await call(behindProxy, '/up/fwd', {
      'x-forwarded-for': '203.0.113.9, 10.1.2.3',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example.com',
    });
    const seen = JSON.parse(res.text) as Seen;
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.9, 10.1.2.3, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(seen.headers['x-forwarded-host']).toBe('api.example.com');
    const echo = JSON.parse(
      (await call(behindProxy, '/pets', { 'x-forwarded-for': '203.0.113.9, 10.1.2.3' })).text,
    ) as EchoBody;
    expect(echo.ip).toBe('203.0.113.9');
  });

  it('puts its own x-amzn-RequestId on proxied responses', async () => {
    upstream.on('/spoof', (_req, res) => {
      res.setHeader('x-amzn-RequestId', 'from-upstream');
      res.end('ok');
    });
    const res = await call(plain, '/up/spoof');
    expect(res.text).toBe('ok');
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('streams response bodies through as they arrive', async () => {
    let finish: (() => void) | undefined;
    upstream.on('/stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first|');
      finish = () => res.end('last');
    });
    const client = new Client(`http://127.0.0.1:${plain.port}`);
    clients.push(client);
    const res = await client.request({
      path: '/restapis/api1/prod/_user_request_/up/stream',
      method: 'GET',
    });
    const reader = res.body[Symbol.asyncIterator]();
    const first = await reader.next();
    // The first chunk is here while the upstream has not finished the response.
    expect(Buffer.from(first.value as Buffer).toString()).toBe('first|');
    expect(finish).toBeDefined();
    finish!();
    let rest = '';
    for (let next = await reader.next(); !next.done; next = await reader.next())
      rest += Buffer.from(next.value as Buffer).toString();
    expect(rest).toBe('last');
  });

  it('aborts the integration when the client goes away', async () => {
    let upstreamClosed = false;
    let arrived = false;
    upstream.on('/hang', (req) => {
      arrived = true;
      req.socket.on('close', () => (upstreamClosed = true));
    });
    const controller = new AbortController();
    const client = new Client(`http://127.0.0.1:${plain.port}`);
    clients.push(client);
    const pending = client
      .request({
        path: '/restapis/api1/prod/_user_request_/up/hang',
        method: 'GET',
        signal: controller.signal,
      })
      .then(
        () => 'answered',
        (err: Error) => err.name,
      );
    await eventually(() => expect(arrived).toBe(true));
    controller.abort();
    expect(await pending).toBe('AbortError');
    await eventually(() => expect(upstreamClosed).toBe(true));
  });
});

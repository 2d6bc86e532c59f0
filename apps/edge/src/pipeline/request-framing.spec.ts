import { createConnection } from 'node:net';
import type { RunningService } from '@portico/platform';
import { type StandardHarness, startStandardHarness } from '../testing/edge-harness';
import { rawRequest } from '../testing/raw-http';

const UUID = /^[0-9a-f-]{36}$/;
const LIMIT = 1024;

/** How the edge reads requests on the wire: framing, expectations, CONNECT, hosts. */
describe('request framing', () => {
  let h: StandardHarness;
  let edge: RunningService;

  beforeAll(async () => {
    h = await startStandardHarness();
    edge = await h.startEdge({ MAX_BODY_BYTES: String(LIMIT) });
  });

  afterAll(async () => {
    await h?.close();
  });

  const raw = (lines: string[], body = '') =>
    rawRequest(edge.port, `${lines.join('\r\n')}\r\n\r\n${body}`);

  describe('framing (request smuggling)', () => {
    it('refuses Content-Length together with Transfer-Encoding, and nothing reaches the upstream', async () => {
      const smuggled =
        'GET /restapis/api1/prod/_user_request_/up/smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n';
      const res = await raw(
        [
          'POST /restapis/api1/prod/_user_request_/up/front HTTP/1.1',
          'Host: localhost',
          `Content-Length: ${5 + smuggled.length}`,
          'Transfer-Encoding: chunked',
        ],
        `0\r\n\r\n${smuggled}`,
      );
      expect(res.status).toBe(400);
      expect(res.headers['x-amzn-requestid']).toMatch(UUID);
      expect(res.headers['connection']).toBe('close');
      expect(h.upstream.seen.filter((r) => /front|smuggled/.test(r.url))).toEqual([]);
    });

    it.each([
      ['a Transfer-Encoding that is not chunked last', 'Transfer-Encoding: chunked, identity'],
      ['two Content-Lengths', 'Content-Length: 1\r\nContent-Length: 2'],
    ])('refuses %s with 400 and a request id', async (_what, header) => {
      const res = await raw(
        ['POST /restapis/api1/prod/_user_request_/up/x HTTP/1.1', 'Host: localhost', header],
        '0\r\n\r\n',
      );
      expect(res.status).toBe(400);
      expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    });

    it('reads a body nobody reads only up to the body limit, then closes the connection', async () => {
      // A chunked body that never ends, to a route that does not exist: the edge answers at
      // once, drops what follows, and closes once it passes the limit (1 KB here).
      // rawRequest resolves only when the server closes the socket.
      const chunk = `100\r\n${'z'.repeat(256)}\r\n`;
      const res = await raw(
        [
          'POST /restapis/api1/prod/_user_request_/nope HTTP/1.1',
          'Host: localhost',
          'Transfer-Encoding: chunked',
        ],
        chunk.repeat(8),
      );
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body)).toEqual({ message: 'Missing Authentication Token' });
    });

    it('keeps the connection when a body it did not need was small, answered or not', async () => {
      const socket = createConnection(edge.port, '127.0.0.1');
      const request = (path: string) =>
        `POST /restapis/api1/prod/_user_request_${path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}`;
      let received = '';
      socket.on('data', (c: Buffer) => (received += c.toString()));
      // Answered by the integration, answered 403 before reading, then answered again.
      socket.write(request('/pets') + request('/nope') + request('/pets'));
      const answers = () => (received.match(/HTTP\/1\.1 (200|403)/g) ?? []).length;
      for (let i = 0; i < 200 && answers() < 3; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      socket.destroy();
      expect(received.match(/HTTP\/1\.1 \d+/g)).toEqual([
        'HTTP/1.1 200',
        'HTTP/1.1 403',
        'HTTP/1.1 200',
      ]);
      expect(received).not.toMatch(/connection: close/i);
    });
  });

  describe('Expect: 100-continue', () => {
    /** Sends the head, then the body only once told to continue; resolves with all it read. */
    function expectContinue(head: string[], body: string): Promise<string> {
      return new Promise((resolve, reject) => {
        const socket = createConnection(edge.port, '127.0.0.1');
        let received = '';
        let sentBody = false;
        socket.on('data', (c: Buffer) => {
          received += c.toString();
          if (!sentBody && received.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
            sentBody = true;
            socket.write(body);
          }
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(received));
        socket.write(`${[...head, 'Connection: close'].join('\r\n')}\r\n\r\n`);
      });
    }

    it('answers 413 at once, without asking for the body', async () => {
      const received = await expectContinue(
        [
          'PUT /restapis/api1/prod/_user_request_/up/echo HTTP/1.1',
          'Host: localhost',
          `Content-Length: ${LIMIT + 1}`,
          'Expect: 100-continue',
        ],
        'x'.repeat(LIMIT + 1),
      );
      expect(received).toMatch(/^HTTP\/1\.1 413 /);
      expect(received).not.toContain('100 Continue');
    });

    it('answers without asking for a body it does not need, and closes (the body is not coming)', async () => {
      // No Connection: close from the client: the server must close, or the next request on the
      // connection would be read as the body that never came.
      const res = await raw([
        'POST /restapis/api1/prod/_user_request_/nope HTTP/1.1',
        'Host: localhost',
        'Content-Length: 5',
        'Expect: 100-continue',
      ]);
      expect(res.status).toBe(403);
      expect(res.headers['connection']).toBe('close');
      expect(res.body).not.toContain('100 Continue');
    });

    it('asks for the body when the integration reads it, and forwards it', async () => {
      const received = await expectContinue(
        [
          'PUT /restapis/api1/prod/_user_request_/up/echo HTTP/1.1',
          'Host: localhost',
          'Content-Length: 5',
          'Expect: 100-continue',
        ],
        'hello',
      );
      expect(received).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
      const body = received.slice(received.lastIndexOf('\r\n\r\n') + 4);
      expect(JSON.parse(body)).toMatchObject({ method: 'PUT', url: '/echo', body: 'hello' });
      // The upstream got the body, not an Expect it has no use for.
      expect(
        h.upstream.seen.find((r) => r.url === '/echo' && r.body === 'hello')?.headers,
      ).not.toHaveProperty('expect');
    });

    it('serves a request with an expectation it does not know instead of a bare 417', async () => {
      const res = await raw([
        'GET /restapis/api1/prod/_user_request_/pets HTTP/1.1',
        'Host: localhost',
        'Expect: teapot',
        'Connection: close',
      ]);
      expect(res.status).toBe(200);
      expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    });
  });

  describe('hosts', () => {
    it('answers 400 with a request id for an HTTP/1.1 request without Host, or with two', async () => {
      for (const lines of [
        ['GET /restapis/api1/prod/_user_request_/pets HTTP/1.1'],
        [
          'GET /restapis/api1/prod/_user_request_/pets HTTP/1.1',
          'Host: localhost',
          'Host: api1.execute-api.localhost',
        ],
      ]) {
        const res = await raw([...lines, 'Connection: close']);
        expect(res.status).toBe(400);
        expect(JSON.parse(res.body)).toEqual({ message: 'Bad Request' });
        expect(res.headers['x-amzn-requestid']).toMatch(UUID);
      }
    });

    it('serves HTTP/1.0 without a Host through the path-style form', async () => {
      const res = await raw(['GET /restapis/api1/prod/_user_request_/pets HTTP/1.0']);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ label: 'prod-pets' });
    });

    it("routes an absolute-form request by the target's host, not the Host header (RFC 9112)", async () => {
      const byTarget = await raw([
        'GET http://api1.execute-api.localhost/prod/pets HTTP/1.1',
        'Host: unknown.example',
        'Connection: close',
      ]);
      expect(byTarget.status).toBe(200);
      expect(JSON.parse(byTarget.body)).toMatchObject({ api: 'api1', label: 'prod-pets' });
      const notByHeader = await raw([
        'GET http://unknown.example/prod/pets HTTP/1.1',
        'Host: api1.execute-api.localhost',
        'Connection: close',
      ]);
      expect(notByHeader.status).toBe(403);
    });

    it('serves requests that ask for a protocol upgrade as plain requests', async () => {
      const res = await raw([
        'GET /restapis/api1/prod/_user_request_/pets HTTP/1.1',
        'Host: localhost',
        'Connection: Upgrade, close',
        'Upgrade: websocket',
      ]);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ label: 'prod-pets' });
    });
  });
});

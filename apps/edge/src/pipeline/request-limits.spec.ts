import type { RunningService } from '@portico/platform';
import { type StandardHarness, startStandardHarness } from '../testing/edge-harness';
import { chunkedRequest, rawRequest } from '../testing/raw-http';

const UUID = /^[0-9a-f-]{36}$/;
const LIMIT = 1024;

describe('request limits', () => {
  let h: StandardHarness;
  let edge: RunningService;

  beforeAll(async () => {
    h = await startStandardHarness();
    edge = await h.startEdge({ MAX_BODY_BYTES: String(LIMIT), MAX_HEADER_BYTES: '2048' });
  });

  afterAll(async () => {
    await h?.close();
  });

  const raw = (lines: string[], body = '') =>
    rawRequest(edge.port, `${lines.join('\r\n')}\r\n\r\n${body}`);

  describe('body size', () => {
    it('answers 413 at once for a Content-Length over the limit, without reading the body', async () => {
      const res = await raw([
        'POST /restapis/api1/prod/_user_request_/pets HTTP/1.1',
        'Host: localhost',
        `Content-Length: ${LIMIT + 1}`,
      ]);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ message: 'Request Entity Too Large' });
      expect(res.headers['x-amzn-requestid']).toMatch(UUID);
      expect(res.headers['connection']).toBe('close');
    });

    it('counts chunked bodies while they are read and answers 413 past the limit', async () => {
      const res = await chunkedRequest(edge.port, '/restapis/api1/prod/_user_request_/pets', [
        Buffer.alloc(600, 'a'),
        Buffer.alloc(600, 'b'),
      ]);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ message: 'Request Entity Too Large' });
      expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    });

    it('answers 413 when a streamed upload to an upstream goes over the limit', async () => {
      const res = await chunkedRequest(edge.port, '/restapis/api1/prod/_user_request_/up/upload', [
        Buffer.alloc(800, 'a'),
        Buffer.alloc(800, 'b'),
      ]);
      expect(res.status).toBe(413);
      expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    });

    it('passes chunked and sized bodies within the limit through whole', async () => {
      const chunked = await chunkedRequest(
        edge.port,
        '/restapis/api1/prod/_user_request_/up/echo',
        [Buffer.from('hello '), Buffer.from('world')],
      );
      expect(chunked.status).toBe(200);
      expect(JSON.parse(chunked.body)).toMatchObject({
        method: 'POST',
        url: '/echo',
        body: 'hello world',
      });
      const exact = 'x'.repeat(LIMIT);
      const sized = await raw(
        [
          'PUT /restapis/api1/prod/_user_request_/up/echo HTTP/1.1',
          'Host: localhost',
          `Content-Length: ${LIMIT}`,
          'Connection: close',
        ],
        exact,
      );
      expect(sized.status).toBe(200);
      expect(JSON.parse(sized.body)).toMatchObject({ method: 'PUT', body: exact });
    });

    it("uses the API's DEFAULT_4XX override for a 413", async () => {
      const res = await raw([
        'POST /restapis/api3/prod/_user_request_/only HTTP/1.1',
        'Host: localhost',
        'Content-Length: 999999',
      ]);
      expect(res.status).toBe(413);
      expect(res.headers['x-default-4xx']).toBe('yes');
      expect(JSON.parse(res.body)).toEqual({ message: 'Request Entity Too Large' });
    });
  });

  describe('headers and request lines', () => {
    it('answers 431 with a clear message when the headers are too large', async () => {
      const res = await raw([
        'GET /restapis/api1/prod/_user_request_/pets HTTP/1.1',
        'Host: localhost',
        `X-Big: ${'h'.repeat(4000)}`,
      ]);
      expect(res.status).toBe(431);
      expect(JSON.parse(res.body)).toEqual({
        message: 'Request header fields too large (limit 2048 bytes)',
      });
      expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    });

    it('answers 400 for requests the HTTP parser refuses', async () => {
      const res = await rawRequest(edge.port, 'GET /a b c\r\n\r\n');
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ message: 'Bad Request' });
      expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    });

    it('accepts absolute-form targets and rejects asterisk-form with 400', async () => {
      const absolute = await raw([
        'GET http://elsewhere.example/restapis/api1/prod/_user_request_/pets HTTP/1.1',
        'Host: localhost',
        'Connection: close',
      ]);
      expect(absolute.status).toBe(200);
      expect(JSON.parse(absolute.body)).toMatchObject({ label: 'prod-pets' });
      const asterisk = await raw(['OPTIONS * HTTP/1.1', 'Host: localhost', 'Connection: close']);
      expect(asterisk.status).toBe(400);
      expect(asterisk.headers['x-amzn-requestid']).toMatch(UUID);
    });

    it('does not judge a Content-Type it cannot parse: the integration decides, as on AWS', async () => {
      const res = await raw(
        [
          'POST /restapis/api1/prod/_user_request_/pets HTTP/1.1',
          'Host: localhost',
          'Content-Type: ;;;',
          'Content-Length: 2',
          'Connection: close',
        ],
        '{}',
      );
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ label: 'prod-post' });
    });

    it('answers CONNECT (no tunnels here) with 400 and a request id instead of dropping it', async () => {
      const res = await raw(['CONNECT example.com:443 HTTP/1.1', 'Host: example.com:443']);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ message: 'Bad Request' });
      expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    });
  });
});

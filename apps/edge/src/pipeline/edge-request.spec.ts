import type { IncomingMessage } from 'node:http';
import { joinPath } from '../routing/path-normalizer';
import { RouteTable } from '../routing/route-table';
import { resource } from '../testing/api-factory';
import { EdgeRequest, parseQuery } from './edge-request';
import { TrustedProxies } from './forwarded-headers';

describe('parseQuery', () => {
  it('decodes names and values and keeps every value in order', () => {
    expect({ ...parseQuery('a=1&b=x%20y&a=2&c') }).toEqual({ a: ['1', '2'], b: ['x y'], c: [''] });
  });

  it('reads + as a space and %2B as a plus, as API Gateway does', () => {
    expect({ ...parseQuery('sort=-+createdAt&email=me%2Bx%40example.com') }).toEqual({
      sort: ['- createdAt'],
      email: ['me+x@example.com'],
    });
  });

  it('keeps what does not decode as sent and skips empty pairs', () => {
    expect({ ...parseQuery('bad=%zz&&=v&x=%E0%A4%A') }).toEqual({
      bad: ['%zz'],
      '': ['v'],
      x: ['%E0%A4%A'],
    });
    expect({ ...parseQuery('') }).toEqual({});
  });

  it('is safe with names that are object keys', () => {
    const q = parseQuery('__proto__=x&constructor=y');
    expect(q['__proto__']).toEqual(['x']);
    expect(q['constructor']).toEqual(['y']);
  });
});

describe('EdgeRequest', () => {
  const settings = { proxies: new TrustedProxies([]), maxBodyBytes: 10, accountId: '123456789012' };
  const raw = (over: Partial<IncomingMessage> = {}) =>
    ({
      method: 'POST',
      httpVersion: '1.1',
      url: '/',
      headers: { 'user-agent': 'spec/1' },
      rawHeaders: [
        'User-Agent',
        'spec/1',
        'Connection',
        'keep-alive',
        'X-Forwarded-For',
        '6.6.6.6',
      ],
      socket: { remoteAddress: '::ffff:192.0.2.4', localPort: 8080 },
      ...over,
    }) as unknown as IncomingMessage;

  it('describes the request before routing: a UUID, the method, the protocol, the target', () => {
    const r = new EdgeRequest(raw({ url: '/a/b?token=secret' }), settings);
    expect(r.requestId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(new EdgeRequest(raw(), settings).requestId).not.toBe(r.requestId);
    expect(r.httpMethod).toBe('POST');
    expect(r.protocol).toBe('HTTP/1.1');
    expect(r.accountId).toBe('123456789012');
    expect(r.target).toBe('/a/b?token=secret');
    // Logged before the path is parsed: never the query.
    expect(r.fullPath).toBe('/a/b');
  });

  it('builds headers and the client IP on first use, with the forwarding view applied', () => {
    const r = new EdgeRequest(raw(), settings);
    expect(r.sourceIp).toBe('192.0.2.4');
    expect(r.headers['x-forwarded-for']).toEqual(['192.0.2.4']);
    expect(r.headers['connection']).toBeUndefined();
    expect(r.userAgent).toBe('spec/1');
  });

  it('takes the client IP from the socket without building headers when no proxy is trusted', () => {
    const r = new EdgeRequest(raw(), settings);
    expect(r.sourceIp).toBe('192.0.2.4');
    // The spoofed X-Forwarded-For was never consulted, and the header view is still unbuilt.
    expect((r as unknown as { headerView?: unknown }).headerView).toBeUndefined();
    const trusting = { ...settings, proxies: new TrustedProxies(['192.0.2.0/24']) };
    expect(new EdgeRequest(raw(), trusting).sourceIp).toBe('6.6.6.6');
  });

  it('hands integrations the raw header names and the encoded path parameters of its route', () => {
    const r = new EdgeRequest(raw(), settings);
    expect(r.rawHeaders).toContain('X-Forwarded-For');
    expect({ ...r.rawPathParameters }).toEqual({});
    const table = RouteTable.compile([resource('/files/{proxy+}', ['GET'])]);
    const segments = ['files', 'a/b', 'c'];
    r.setRoute(table.match('GET', joinPath(segments), segments)!, segments);
    expect(r.pathParameters['proxy']).toBe('a/b/c');
    expect({ ...r.rawPathParameters }).toEqual({ proxy: 'a%2Fb/c' });
    expect(r.resourcePath).toBe('/files/{proxy+}');
  });

  it('aborts its signal when the client goes away, also if the signal is asked for afterwards', () => {
    const early = new EdgeRequest(raw(), settings);
    const signal = early.signal;
    expect(signal.aborted).toBe(false);
    early.markClientGone();
    expect(signal.aborted).toBe(true);
    const late = new EdgeRequest(raw(), settings);
    late.markClientGone();
    expect(late.signal.aborted).toBe(true);
    expect(late.clientGone).toBe(true);
  });
});

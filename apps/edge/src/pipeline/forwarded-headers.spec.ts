import {
  applyForwardedHeaders,
  collectRequestHeaders,
  TrustedProxies,
  unmapIpv4,
} from './forwarded-headers';

const raw = (pairs: [string, string][]): string[] => pairs.flat();

describe('collectRequestHeaders', () => {
  it('lower-cases names and keeps every value in order', () => {
    const h = collectRequestHeaders(
      raw([
        ['Accept', 'text/html'],
        ['X-Multi', 'one'],
        ['x-multi', 'two'],
        ['Content-Type', 'application/json'],
      ]),
    );
    expect({ ...h }).toEqual({
      accept: ['text/html'],
      'x-multi': ['one', 'two'],
      'content-type': ['application/json'],
    });
  });

  it('strips hop-by-hop headers', () => {
    const h = collectRequestHeaders(
      raw([
        ['Connection', 'keep-alive'],
        ['Keep-Alive', 'timeout=5'],
        ['Proxy-Authorization', 'Basic abc'],
        ['Proxy-Connection', 'keep-alive'],
        ['TE', 'trailers'],
        ['Trailer', 'Expires'],
        ['Transfer-Encoding', 'chunked'],
        ['Upgrade', 'websocket'],
        ['Authorization', 'Bearer t'],
      ]),
    );
    expect({ ...h }).toEqual({ authorization: ['Bearer t'] });
  });

  it('strips the headers the Connection header names', () => {
    const h = collectRequestHeaders(
      raw([
        ['Connection', 'close, X-Secret-Hop'],
        ['Connection', ' x-other '],
        ['X-Secret-Hop', '1'],
        ['X-Other', '2'],
        ['X-Kept', '3'],
      ]),
    );
    expect({ ...h }).toEqual({ 'x-kept': ['3'] });
  });

  it('is safe with header names that are object keys', () => {
    const h = collectRequestHeaders(
      raw([
        ['__proto__', 'x'],
        ['constructor', 'y'],
      ]),
    );
    expect(h['__proto__']).toEqual(['x']);
    expect(h['constructor']).toEqual(['y']);
  });
});

describe('applyForwardedHeaders', () => {
  const peer = { ip: '198.51.100.9', encrypted: false, localPort: 8080 };
  const headers = (pairs: [string, string][]) => collectRequestHeaders(raw(pairs));

  describe('with no trusted proxies (the default)', () => {
    const none = new TrustedProxies([]);

    it('replaces what the client sent with the edge view and uses the peer as client IP', () => {
      const h = headers([
        ['Host', 'api.example.com:8080'],
        ['X-Forwarded-For', '1.2.3.4'],
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Host', 'evil.example'],
        ['X-Forwarded-Port', '443'],
        ['Forwarded', 'for=1.2.3.4'],
        ['X-Real-IP', '1.2.3.4'],
        ['X-Forwarded-Prefix', '/admin'],
        ['X-Forwarded-Scheme', 'https'],
        ['X-Forwarded-Server', 'internal'],
        ['True-Client-IP', '1.2.3.4'],
        ['X-Client-IP', '1.2.3.4'],
        ['X-Cluster-Client-IP', '1.2.3.4'],
        ['X-Forwardedness', 'not a claim'],
      ]);
      expect(applyForwardedHeaders(h, peer, none)).toBe('198.51.100.9');
      expect(h['x-forwarded-for']).toEqual(['198.51.100.9']);
      expect(h['x-forwarded-proto']).toEqual(['http']);
      expect(h['x-forwarded-host']).toEqual(['api.example.com:8080']);
      expect(h['x-forwarded-port']).toEqual(['8080']);
      expect(Object.keys(h).sort()).toEqual([
        'host',
        'x-forwarded-for',
        'x-forwarded-host',
        'x-forwarded-port',
        'x-forwarded-proto',
        'x-forwardedness',
      ]);
    });

    it('says https on TLS sockets and drops X-Forwarded-Host without a Host', () => {
      const h = headers([['X-Forwarded-Host', 'evil.example']]);
      applyForwardedHeaders(h, { ...peer, encrypted: true, localPort: 8443 }, none);
      expect(h['x-forwarded-proto']).toEqual(['https']);
      expect(h['x-forwarded-port']).toEqual(['8443']);
      expect(h['x-forwarded-host']).toBeUndefined();
    });

    it('unmaps IPv4-mapped IPv6 peers', () => {
      const h = headers([]);
      expect(applyForwardedHeaders(h, { ...peer, ip: '::ffff:203.0.113.5' }, none)).toBe(
        '203.0.113.5',
      );
      expect(h['x-forwarded-for']).toEqual(['203.0.113.5']);
    });
  });

  describe('with trusted proxies', () => {
    const proxies = new TrustedProxies(['198.51.100.0/24', '10.0.0.1', 'fd00::/8']);

    it('keeps and appends to what a trusted proxy sent and takes the client IP from it', () => {
      const h = headers([
        ['Host', 'internal:8080'],
        ['X-Forwarded-For', '203.0.113.7'],
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Host', 'api.example.com'],
        ['X-Forwarded-Port', '443'],
        ['Forwarded', 'for=203.0.113.7'],
      ]);
      expect(applyForwardedHeaders(h, peer, proxies)).toBe('203.0.113.7');
      expect(h['x-forwarded-for']).toEqual(['203.0.113.7, 198.51.100.9']);
      expect(h['x-forwarded-proto']).toEqual(['https']);
      expect(h['x-forwarded-host']).toEqual(['api.example.com']);
      expect(h['x-forwarded-port']).toEqual(['443']);
      expect(h['forwarded']).toEqual(['for=203.0.113.7']);
    });

    it('skips trusted hops from the right and stops at the first untrusted one', () => {
      const h = headers([
        ['X-Forwarded-For', '6.6.6.6, 203.0.113.7'],
        ['X-Forwarded-For', '10.0.0.1'],
      ]);
      // 6.6.6.6 is whatever the client claimed; 203.0.113.7 is who connected to our proxy chain.
      expect(applyForwardedHeaders(h, peer, proxies)).toBe('203.0.113.7');
      expect(h['x-forwarded-for']).toEqual(['6.6.6.6, 203.0.113.7, 10.0.0.1, 198.51.100.9']);
    });

    it('fills in what a trusted proxy did not send', () => {
      const h = headers([['Host', 'api.example.com']]);
      expect(applyForwardedHeaders(h, peer, proxies)).toBe('198.51.100.9');
      expect(h['x-forwarded-for']).toEqual(['198.51.100.9']);
      expect(h['x-forwarded-proto']).toEqual(['http']);
      expect(h['x-forwarded-host']).toEqual(['api.example.com']);
      expect(h['x-forwarded-port']).toEqual(['8080']);
    });

    it('does not believe an entry that is not an address', () => {
      const h = headers([['X-Forwarded-For', 'not-an-ip, 10.0.0.1']]);
      expect(applyForwardedHeaders(h, peer, proxies)).toBe('10.0.0.1');
    });

    it('treats everyone outside the list as untrusted', () => {
      const h = headers([['X-Forwarded-For', '1.2.3.4']]);
      expect(applyForwardedHeaders(h, { ...peer, ip: '192.0.2.1' }, proxies)).toBe('192.0.2.1');
      expect(h['x-forwarded-for']).toEqual(['192.0.2.1']);
    });

    it('matches IPv6 blocks', () => {
      const h = headers([['X-Forwarded-For', '2001:db8::1']]);
      expect(applyForwardedHeaders(h, { ...peer, ip: 'fd12::3' }, proxies)).toBe('2001:db8::1');
    });
  });
});

describe('TrustedProxies', () => {
  it('matches addresses and blocks of both families', () => {
    const p = new TrustedProxies(['10.0.0.0/8', '192.0.2.1', '::1']);
    expect(p.trusts('10.1.2.3')).toBe(true);
    expect(p.trusts('11.0.0.1')).toBe(false);
    expect(p.trusts('192.0.2.1')).toBe(true);
    expect(p.trusts('192.0.2.2')).toBe(false);
    expect(p.trusts('::1')).toBe(true);
    expect(p.trusts('garbage')).toBe(false);
  });

  it('trusts nobody when empty', () => {
    expect(new TrustedProxies([]).trusts('127.0.0.1')).toBe(false);
  });
});

describe('unmapIpv4', () => {
  it('unwraps only IPv4-mapped addresses', () => {
    expect(unmapIpv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(unmapIpv4('::1')).toBe('::1');
    expect(unmapIpv4('10.0.0.1')).toBe('10.0.0.1');
  });
});

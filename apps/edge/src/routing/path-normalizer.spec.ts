import {
  BadPathError,
  encodeSegment,
  joinPath,
  resolveDotSegments,
  splitPath,
  splitTarget,
} from './path-normalizer';

describe('splitTarget', () => {
  it('splits origin-form targets into path and query', () => {
    expect(splitTarget('/a/b?x=1&y=%20')).toEqual({ rawPath: '/a/b', rawQuery: 'x=1&y=%20' });
    expect(splitTarget('/a')).toEqual({ rawPath: '/a', rawQuery: '' });
    expect(splitTarget('/?')).toEqual({ rawPath: '/', rawQuery: '' });
  });

  it('drops a fragment and keeps a ? that is inside it out of the query', () => {
    expect(splitTarget('/a#frag?x')).toEqual({ rawPath: '/a', rawQuery: '' });
    expect(splitTarget('/a?x=1#frag')).toEqual({ rawPath: '/a', rawQuery: 'x=1' });
  });

  it('accepts absolute-form targets (proxies send them) and reports their authority', () => {
    expect(splitTarget('http://example.com:8080/p/q?z')).toEqual({
      rawPath: '/p/q',
      rawQuery: 'z',
      authority: 'example.com:8080',
    });
    expect(splitTarget('HTTPS://example.com')).toEqual({
      rawPath: '/',
      rawQuery: '',
      authority: 'example.com',
    });
    // Userinfo is not part of the host.
    expect(splitTarget('http://user:pw@api.example.com/x').authority).toBe('api.example.com');
    expect(splitTarget('/x')).not.toHaveProperty('authority');
  });

  it('rejects targets that are not paths (asterisk-form, authority-form)', () => {
    expect(() => splitTarget('*')).toThrow(BadPathError);
    expect(() => splitTarget('example.com:443')).toThrow(BadPathError);
  });
});

describe('splitPath', () => {
  it('decodes each segment once', () => {
    expect(splitPath('/a%20b/caf%C3%A9')).toEqual({
      segments: ['a b', 'café'],
      trailingSlash: false,
    });
  });

  it('keeps an encoded slash inside its segment, never as a separator', () => {
    expect(splitPath('/files/a%2Fb/c').segments).toEqual(['files', 'a/b', 'c']);
    expect(splitPath('/files/a%2fb').segments).toEqual(['files', 'a/b']);
  });

  it('decodes double encoding only once', () => {
    expect(splitPath('/x/%252F').segments).toEqual(['x', '%2F']);
    expect(splitPath('/x/%252e%252e').segments).toEqual(['x', '%2e%2e']);
  });

  it('collapses duplicate slashes', () => {
    expect(splitPath('//a///b//')).toEqual({ segments: ['a', 'b'], trailingSlash: true });
    expect(splitPath('/')).toEqual({ segments: [], trailingSlash: false });
    expect(splitPath('//')).toEqual({ segments: [], trailingSlash: true });
  });

  it('drops . segments (also encoded) and keeps .. (also encoded) for resolution', () => {
    expect(splitPath('/a/./b/%2E/c').segments).toEqual(['a', 'b', 'c']);
    expect(splitPath('/a/../b/%2e%2E').segments).toEqual(['a', '..', 'b', '..']);
  });

  it('records a trailing slash, also when the path ends in a dot segment', () => {
    expect(splitPath('/a/b/').trailingSlash).toBe(true);
    expect(splitPath('/a/b').trailingSlash).toBe(false);
    expect(splitPath('/a/.').trailingSlash).toBe(true);
    expect(splitPath('/a/b/..').trailingSlash).toBe(true);
  });

  it('keeps dots that are not whole segments', () => {
    expect(splitPath('/a.b/..c/...').segments).toEqual(['a.b', '..c', '...']);
  });

  it.each([
    ['/a/%zz', 'bad hex'],
    ['/a/%4', 'truncated escape'],
    ['/a/%', 'lone percent'],
    ['/a/%C3%28', 'invalid UTF-8'],
    ['/a/%FF', 'invalid UTF-8 byte'],
    ['/a/%00', 'NUL'],
    ['/a/b%00c', 'NUL inside a segment'],
    ['/a/%C0%AE%C0%AE', 'overlong UTF-8 for ..'],
    ['/a/%C0%AF', 'overlong UTF-8 for /'],
    ['/a/%E0%80%AE', 'three-byte overlong .'],
    ['/a/%ED%A0%80', 'UTF-16 surrogate'],
    ['/a/%F4%90%80%80', 'beyond U+10FFFF'],
    ['/a/%2', 'escape cut short at the end'],
  ])('rejects %s (%s)', (path) => {
    expect(() => splitPath(path)).toThrow(BadPathError);
  });

  it('reads raw UTF-8 bytes (Node hands them over as latin1) and rejects raw bytes that are not UTF-8', () => {
    const raw = Buffer.from('/café', 'utf8').toString('latin1');
    expect(splitPath(raw).segments).toEqual(['café']);
    expect(() => splitPath('/caf\u00e9')).toThrow(BadPathError); // a lone 0xE9 byte
  });

  it('keeps an encoded backslash as data and never takes it for a separator', () => {
    expect(splitPath('/a/..%5C..%5Cetc').segments).toEqual(['a', '..\\..\\etc']);
    expect(splitPath('/a\\b').segments).toEqual(['a\\b']);
    expect(joinPath(splitPath('/a/%5C/b').segments)).toBe('/a/%5C/b');
  });

  it('leaves sub-delimiters and a literal + alone', () => {
    expect(splitPath("/a+b/c,d;e=f/@x:y/!$&'()*").segments).toEqual([
      'a+b',
      'c,d;e=f',
      '@x:y',
      "!$&'()*",
    ]);
  });
});

describe('resolveDotSegments', () => {
  it('resolves .. against the previous segment', () => {
    expect(resolveDotSegments(['a', 'b', '..', 'c'], 0)).toEqual(['a', 'c']);
  });

  it('never climbs above the given root', () => {
    // segments[0] is the stage: ".." below it stays below it.
    expect(resolveDotSegments(['prod', '..', '..', 'dev', 'x'], 1)).toEqual(['dev', 'x']);
    expect(resolveDotSegments(['prod', 'a', '..', '..', 'b'], 1)).toEqual(['b']);
    expect(resolveDotSegments(['..'], 0)).toEqual([]);
  });

  it('returns the segments below the root unchanged when there are no dots', () => {
    const input = ['v1', 'pets', '1'];
    const out = resolveDotSegments(input, 1);
    expect(out).toEqual(['pets', '1']);
    expect(out).not.toBe(input);
  });

  it('treats an encoded dot-dot as a dot segment (RFC 3986 equivalence), not a double-encoded one', () => {
    const { segments } = splitPath('/prod/a/%2E%2E/%252E%252E/b');
    expect(resolveDotSegments(segments, 1)).toEqual(['%2E%2E', 'b']);
  });
});

describe('encodeSegment and joinPath', () => {
  it('leaves safe segments untouched', () => {
    expect(encodeSegment('pets')).toBe('pets');
    expect(encodeSegment("a+b,c=d:e@f!$&'()*~._-")).toBe("a+b,c=d:e@f!$&'()*~._-");
  });

  it('encodes separators, delimiters and non-ASCII', () => {
    expect(encodeSegment('a/b')).toBe('a%2Fb');
    expect(encodeSegment('%2F')).toBe('%252F');
    expect(encodeSegment('a b?c#d;e')).toBe('a%20b%3Fc%23d%3Be');
    expect(encodeSegment('café')).toBe('caf%C3%A9');
    expect(encodeSegment('x\\y')).toBe('x%5Cy');
  });

  it('round-trips: decoding the encoded path gives the same segments', () => {
    const segments = ['a/b', '%2F', 'c d', 'é', 'x;y', '..c'];
    const path = joinPath(segments);
    expect(splitPath(path).segments).toEqual(segments);
  });

  it('joins with or without a trailing slash', () => {
    expect(joinPath([])).toBe('/');
    expect(joinPath([], true)).toBe('/');
    expect(joinPath(['a', 'b'])).toBe('/a/b');
    expect(joinPath(['a', 'b'], true)).toBe('/a/b/');
  });
});

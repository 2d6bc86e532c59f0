import { IntegrationFailure } from '../integration.types';
import { buildIntegrationUrl, mergeQuery, resolveStageVariables } from './integration-uri';

const build = (
  uri: string,
  stageVariables: Record<string, string> = {},
  pathValues: Record<string, string> = {},
  resourcePath = '/',
) => buildIntegrationUrl({ uri, stageVariables, pathValues, resourcePath });

function failureOf(fn: () => unknown): IntegrationFailure | undefined {
  try {
    fn();
  } catch (err) {
    return err as IntegrationFailure;
  }
  return undefined;
}

describe('resolveStageVariables', () => {
  it('substitutes stage variables, empty when undefined', () => {
    expect(
      resolveStageVariables(
        'http://${stageVariables.host}:${stageVariables.port}/x${stageVariables.none}',
        { host: 'h', port: '81' },
      ),
    ).toBe('http://h:81/x');
  });
});

describe('buildIntegrationUrl', () => {
  it('fills placeholders, encoding each value as one segment', () => {
    expect(
      build(
        'http://${stageVariables.host}/pets/{id}/owners/{owner}',
        { host: 'backend:8080' },
        { id: 'a b/c', owner: 'é' },
        '/pets/{id}/owners/{owner}',
      ),
    ).toEqual({ origin: 'http://backend:8080', path: '/pets/a%20b%2Fc/owners/%C3%A9' });
  });

  it('keeps the slashes of the greedy parameter and the query of the URI', () => {
    expect(
      build('https://backend/files/{proxy}?v=1', {}, { proxy: 'a/b c/d.txt' }, '/files/{proxy+}'),
    ).toEqual({ origin: 'https://backend', path: '/files/a/b%20c/d.txt?v=1' });
  });

  it('gives a root path to a URI that has none', () => {
    expect(build('http://backend:81')).toEqual({ origin: 'http://backend:81', path: '/' });
    expect(build('http://backend?x=1').path).toBe('/?x=1');
  });

  it('normalises what the operator wrote as URL parsing would (dot segments, spaces)', () => {
    expect(build('http://backend/a/../b/./c').path).toBe('/b/c');
    expect(build('http://backend/${stageVariables.p}/x', { p: 'with space' }).path).toBe(
      '/with%20space/x',
    );
  });

  it('refuses dot segments in parameters that would climb out of the integration path', () => {
    const proxy = (value: string) =>
      build('http://backend/files/{proxy}', {}, { proxy: value }, '/files/{proxy+}');
    expect(failureOf(() => proxy('../../admin'))).toMatchObject({
      statusCode: 400,
      responseType: 'BAD_REQUEST_PARAMETERS',
    });
    expect(() => proxy('a/./b')).toThrow(IntegrationFailure);
    expect(proxy('a/..b/c.').path).toBe('/files/a/..b/c.');
  });

  it('inserts encoded path values unchanged, so the path matched is the path forwarded', () => {
    const raw = (uri: string, pathValues: Record<string, string>, rawPathValues: object) =>
      buildIntegrationUrl({
        uri,
        stageVariables: { host: 'backend' },
        pathValues,
        rawPathValues: rawPathValues as Record<string, string>,
        resourcePath: '/up/{id}/{proxy+}',
      }).path;
    // A %2F stays inside its segment; characters the client left plain stay plain.
    expect(
      raw(
        'http://backend/x/{id}/{proxy}?v=1',
        { id: 'a/b', proxy: 'a:b@c,d=e/f' },
        { id: 'a%2Fb', proxy: 'a:b@c,d=e/f' },
      ),
    ).toBe('/x/a%2Fb/a:b@c,d=e/f?v=1');
    // The same through the path that is not worked out in advance (a stage variable origin).
    expect(
      raw(
        'http://${stageVariables.host}/x/{id}/{proxy}',
        { id: 'a/b', proxy: 'a:b@c/f' },
        { id: 'a%2Fb', proxy: 'a:b@c/f' },
      ),
    ).toBe('/x/a%2Fb/a:b@c/f');
    // A name with no encoded value is encoded from its decoded one, as before.
    expect(raw('http://backend/{id}/{other}', { id: 'a/b', other: 'c d' }, { id: 'a%2Fb' })).toBe(
      '/a%2Fb/c%20d',
    );
  });

  it('re-encodes an encoded value that could add a query or a dot segment', () => {
    const raw = (rawValue: unknown, decoded: string) =>
      buildIntegrationUrl({
        uri: 'http://backend/files/{proxy}',
        stageVariables: {},
        pathValues: { proxy: decoded },
        rawPathValues: { proxy: rawValue } as Record<string, string>,
        resourcePath: '/files/{proxy+}',
      }).path;
    expect(raw('a?admin=1', 'a?admin=1')).toBe('/files/a%3Fadmin%3D1');
    expect(raw('a#b', 'a#b')).toBe('/files/a%23b');
    expect(raw(42, 'n')).toBe('/files/n');
    expect(raw('a/%2e%2e/b', 'a/%2e%2e/b')).toBe('/files/a/%252e%252e/b');
    expect(failureOf(() => raw('a/../b', 'a/../b'))).toMatchObject({
      statusCode: 400,
      responseType: 'BAD_REQUEST_PARAMETERS',
    });
  });

  it('lets a stage variable in the host name a host and port, nothing more', () => {
    const uri = 'http://${stageVariables.host}/api';
    expect(build(uri, { host: '10.0.0.7:8080' })).toEqual({
      origin: 'http://10.0.0.7:8080',
      path: '/api',
    });
    expect(build(uri, { host: '[::1]:81' }).origin).toBe('http://[::1]:81');
    for (const host of ['evil.example@backend', 'evil.example/x?', 'evil.example#', 'a b']) {
      expect(failureOf(() => build(uri, { host }))).toMatchObject({
        statusCode: 500,
        responseType: 'API_CONFIGURATION_ERROR',
        message: expect.stringContaining('Stage variable host'),
      });
    }
  });

  it('lets a stage variable hold the whole origin, but never credentials', () => {
    expect(build('${stageVariables.url}/pets', { url: 'https://api.example:8443' })).toEqual({
      origin: 'https://api.example:8443',
      path: '/pets',
    });
    expect(
      failureOf(() => build('${stageVariables.url}/pets', { url: 'http://u:p@api.example' })),
    ).toMatchObject({ statusCode: 500, message: expect.stringContaining('credentials') });
    expect(() => build('http://user:secret@backend/x')).toThrow(/credentials/);
  });

  it('answers a configuration error for a missing value or a bad URL', () => {
    const missing = (): unknown => build('http://b/{nope}');
    expect(missing).toThrow(IntegrationFailure);
    expect(missing).toThrow(/\{nope\}/);
    expect(() => build('${stageVariables.url}')).toThrow(/not a valid URL/);
    expect(() => build('file:///etc/passwd')).toThrow(/http or https/);
  });
});

describe('mergeQuery', () => {
  it('appends the raw query to the URI query unchanged', () => {
    expect(mergeQuery('/x?fixed=1', 'a=%2F&b=c+d', {})).toBe('/x?fixed=1&a=%2F&b=c+d');
  });

  it('replaces mapped names and appends their values', () => {
    expect(
      mergeQuery('/x', 'keep=1&swap=old&swap=older', { swap: ['new value'], extra: ['1', '2'] }),
    ).toBe('/x?keep=1&swap=new%20value&extra=1&extra=2');
  });

  it('leaves no ? when there is no query', () => {
    expect(mergeQuery('/x', '', {})).toBe('/x');
    expect(mergeQuery('/x?', '', {})).toBe('/x');
  });
});

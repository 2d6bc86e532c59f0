import { IntegrationFailure } from '../integration.types';
import { buildIntegrationUrl, mergeQuery, resolveStageVariables } from './integration-uri';

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
    const url = buildIntegrationUrl({
      uri: 'http://${stageVariables.host}/pets/{id}/owners/{owner}',
      stageVariables: { host: 'backend:8080' },
      pathValues: { id: 'a b/c', owner: 'é' },
      resourcePath: '/pets/{id}/owners/{owner}',
    });
    expect(url.href).toBe('http://backend:8080/pets/a%20b%2Fc/owners/%C3%A9');
  });

  it('keeps the slashes of the greedy parameter', () => {
    const url = buildIntegrationUrl({
      uri: 'https://backend/files/{proxy}',
      stageVariables: {},
      pathValues: { proxy: 'a/b c/d.txt' },
      resourcePath: '/files/{proxy+}',
    });
    expect(url.pathname).toBe('/files/a/b%20c/d.txt');
  });

  it('refuses dot segments that would climb out of the integration path', () => {
    const build = (proxy: string): URL =>
      buildIntegrationUrl({
        uri: 'http://backend/files/{proxy}',
        stageVariables: {},
        pathValues: { proxy },
        resourcePath: '/files/{proxy+}',
      });
    expect(() => build('../../admin')).toThrow(expect.objectContaining({ statusCode: 400 }));
    expect(() => build('a/./b')).toThrow(IntegrationFailure);
    expect(build('a/..b/c.').pathname).toBe('/files/a/..b/c.');
  });

  it('answers a configuration error for a missing value or a bad URL', () => {
    const missing = (): URL =>
      buildIntegrationUrl({
        uri: 'http://b/{nope}',
        stageVariables: {},
        pathValues: {},
        resourcePath: '/',
      });
    expect(missing).toThrow(IntegrationFailure);
    expect(missing).toThrow(/\{nope\}/);
    expect(() =>
      buildIntegrationUrl({
        uri: '${stageVariables.url}',
        stageVariables: {},
        pathValues: {},
        resourcePath: '/',
      }),
    ).toThrow(/not a valid URL/);
    expect(() =>
      buildIntegrationUrl({
        uri: 'file:///etc/passwd',
        stageVariables: {},
        pathValues: {},
        resourcePath: '/',
      }),
    ).toThrow(/http or https/);
  });
});

describe('mergeQuery', () => {
  it('appends the raw query to the URI query unchanged', () => {
    const url = new URL('http://b/x?fixed=1');
    mergeQuery(url, 'a=%2F&b=c+d', {});
    expect(url.search).toBe('?fixed=1&a=%2F&b=c+d');
  });

  it('replaces mapped names and appends their values', () => {
    const url = new URL('http://b/x');
    mergeQuery(url, 'keep=1&swap=old&swap=older', { swap: ['new value'], extra: ['1', '2'] });
    expect(url.search).toBe('?keep=1&swap=new%20value&extra=1&extra=2');
  });

  it('leaves no ? when there is no query', () => {
    const url = new URL('http://b/x');
    mergeQuery(url, '', {});
    expect(url.href).toBe('http://b/x');
  });
});

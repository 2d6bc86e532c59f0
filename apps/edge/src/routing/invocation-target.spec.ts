import { splitPath } from './path-normalizer';
import {
  basePathSegments,
  type BasePathMappingRef,
  domainPrefixOf,
  normalizeHost,
  resolveTarget,
  type StageDirectory,
  type TargetStage,
} from './invocation-target';

const SUFFIX = '.execute-api.localhost';

function directory(
  stages: TargetStage[],
  domains: Record<string, { basePath: string; restApiId: string; stage: string }[]> = {},
): StageDirectory<TargetStage> {
  const compiled = new Map<string, BasePathMappingRef[]>();
  for (const [host, mappings] of Object.entries(domains)) {
    compiled.set(
      host,
      mappings
        .map((m) => ({ ...m, basePath: basePathSegments(m.basePath) }))
        .sort((a, b) => b.basePath.length - a.basePath.length),
    );
  }
  return {
    stage: (apiId, name) => stages.find((s) => s.apiId === apiId && s.stageName === name),
    domain: (host) => {
      const mappings = compiled.get(host);
      return mappings && { mappings };
    },
  };
}

const prod: TargetStage = { apiId: 'abc123', stageName: 'prod', disableExecuteApiEndpoint: false };
const dev: TargetStage = { apiId: 'abc123', stageName: 'dev', disableExecuteApiEndpoint: false };
const other: TargetStage = { apiId: 'zzz999', stageName: 'live', disableExecuteApiEndpoint: false };
const closed: TargetStage = {
  apiId: 'closed1',
  stageName: 'prod',
  disableExecuteApiEndpoint: true,
};
const dir = directory([prod, dev, other, closed], {
  'api.example.com': [
    { basePath: '(none)', restApiId: 'abc123', stage: 'prod' },
    { basePath: 'v2', restApiId: 'abc123', stage: 'dev' },
    { basePath: 'v2/orders', restApiId: 'zzz999', stage: 'live' },
    { basePath: 'broken', restApiId: 'abc123', stage: 'gone' },
  ],
  'closed.example.com': [{ basePath: '(none)', restApiId: 'closed1', stage: 'prod' }],
  'nomap.example.com': [{ basePath: 'only', restApiId: 'abc123', stage: 'prod' }],
});

const resolve = (host: string, path: string) =>
  resolveTarget(host, splitPath(path).segments, dir, SUFFIX);

describe('resolveTarget', () => {
  describe('execute-api host', () => {
    it('takes the API from the host and the stage from the first segment', () => {
      expect(resolve('abc123.execute-api.localhost', '/prod/pets')).toEqual({
        stage: prod,
        form: 'execute-api',
        offset: 1,
        fullPathPrefix: '/prod',
      });
      expect(resolve('abc123.execute-api.localhost', '/dev')).toMatchObject({
        stage: dev,
        offset: 1,
      });
    });

    it('answers Forbidden for an unknown API, an unknown stage or no stage', () => {
      expect(resolve('nope.execute-api.localhost', '/prod/pets')).toBe('unknown API or stage');
      expect(resolve('abc123.execute-api.localhost', '/staging/pets')).toBe('unknown API or stage');
      expect(resolve('abc123.execute-api.localhost', '/')).toBe('no stage in path');
    });

    it('does not take a multi-label prefix as an API id', () => {
      expect(resolve('x.abc123.execute-api.localhost', '/prod')).toBe('unknown host');
      expect(resolve('.execute-api.localhost', '/prod')).toBe('unknown host');
    });

    it('honours disableExecuteApiEndpoint', () => {
      expect(resolve('closed1.execute-api.localhost', '/prod/x')).toBe(
        'execute-api endpoint is disabled',
      );
    });

    it('never lets a stage name be a dot segment', () => {
      // ".." is kept by splitPath only for resolution below the stage.
      expect(resolve('abc123.execute-api.localhost', '/../prod/x')).toBe('unknown API or stage');
    });
  });

  describe('path-style', () => {
    it('works on any host', () => {
      for (const host of [
        'localhost',
        '127.0.0.1',
        'api.example.com',
        'abc123.execute-api.localhost',
      ]) {
        expect(resolve(host, '/restapis/zzz999/live/_user_request_/a/b')).toEqual({
          stage: other,
          form: 'path',
          offset: 4,
          fullPathPrefix: '/live',
        });
      }
    });

    it('answers Forbidden for an unknown API or stage and honours disableExecuteApiEndpoint', () => {
      expect(resolve('localhost', '/restapis/abc123/nostage/_user_request_/')).toBe(
        'unknown API or stage',
      );
      expect(resolve('localhost', '/restapis/nope/prod/_user_request_/')).toBe(
        'unknown API or stage',
      );
      expect(resolve('localhost', '/restapis/closed1/prod/_user_request_/x')).toBe(
        'execute-api endpoint is disabled',
      );
    });

    it('is only path-style with the _user_request_ marker', () => {
      expect(resolve('localhost', '/restapis/abc123/prod/pets')).toBe('unknown host');
    });
  });

  describe('a host that is both an execute-api host and a custom domain', () => {
    const both = directory([prod, other], {
      'abc123.execute-api.localhost': [{ basePath: '(none)', restApiId: 'zzz999', stage: 'live' }],
    });
    it('is read as the execute-api host: the API id in it wins', () => {
      expect(
        resolveTarget('abc123.execute-api.localhost', ['prod', 'x'], both, SUFFIX),
      ).toMatchObject({
        stage: prod,
        form: 'execute-api',
      });
    });
  });

  describe('custom domain names', () => {
    it('maps the root with (none); the stage comes from the mapping, not the path', () => {
      expect(resolve('api.example.com', '/pets/1')).toEqual({
        stage: prod,
        form: 'domain',
        offset: 0,
        fullPathPrefix: '',
      });
      expect(resolve('api.example.com', '/prod/pets')).toMatchObject({ stage: prod, offset: 0 });
    });

    it('lets the longest base path win', () => {
      expect(resolve('api.example.com', '/v2/orders/7')).toMatchObject({
        stage: other,
        offset: 2,
        fullPathPrefix: '/v2/orders',
      });
      expect(resolve('api.example.com', '/v2/items')).toMatchObject({
        stage: dev,
        offset: 1,
        fullPathPrefix: '/v2',
      });
      expect(resolve('api.example.com', '/v2')).toMatchObject({ stage: dev, offset: 1 });
      expect(resolve('api.example.com', '/v2orders')).toMatchObject({ stage: prod, offset: 0 });
    });

    it('matches base paths on whole segments only', () => {
      expect(resolve('nomap.example.com', '/onlyx')).toBe('no base path mapping matches');
      expect(resolve('nomap.example.com', '/only/x')).toMatchObject({ stage: prod, offset: 1 });
    });

    it('answers Forbidden when no mapping matches or the mapped stage is not deployed', () => {
      expect(resolve('nomap.example.com', '/')).toBe('no base path mapping matches');
      expect(resolve('api.example.com', '/broken/x')).toBe(
        'base path mapping points at a stage that is not deployed',
      );
    });

    it('serves custom domains even when the execute-api endpoint is disabled', () => {
      expect(resolve('closed.example.com', '/x')).toMatchObject({ stage: closed, form: 'domain' });
    });

    it('is not reached for unknown hosts', () => {
      expect(resolve('unknown.example.com', '/pets')).toBe('unknown host');
      expect(resolve('', '/pets')).toBe('unknown host');
    });
  });
});

describe('normalizeHost', () => {
  it('lower-cases and strips the port and a trailing dot', () => {
    expect(normalizeHost('API.Example.COM:8443')).toBe('api.example.com');
    expect(normalizeHost('abc.execute-api.localhost.')).toBe('abc.execute-api.localhost');
    expect(normalizeHost('[::1]:8080')).toBe('[::1]');
    expect(normalizeHost(undefined)).toBe('');
  });
});

describe('domainPrefixOf', () => {
  it('is the first label, or the whole host for IP literals', () => {
    expect(domainPrefixOf('abc123.execute-api.localhost')).toBe('abc123');
    expect(domainPrefixOf('localhost')).toBe('localhost');
    expect(domainPrefixOf('127.0.0.1')).toBe('127.0.0.1');
    expect(domainPrefixOf('[::1]')).toBe('[::1]');
  });
});

describe('basePathSegments', () => {
  it('maps (none) to the root and splits multi-level base paths', () => {
    expect(basePathSegments('(none)')).toEqual([]);
    expect(basePathSegments('')).toEqual([]);
    expect(basePathSegments('v1/orders')).toEqual(['v1', 'orders']);
  });
});

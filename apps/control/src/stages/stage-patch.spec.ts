import type { Stage } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import { applyStagePatch, DEFAULT_METHOD_SETTING } from './stage-patch';

const stage = (): Stage => ({
  restApiId: 'api',
  stageName: 'prod',
  deploymentId: 'd1',
  description: 'desc',
  variables: { a: '1' },
  methodSettings: {},
  cacheClusterEnabled: false,
  tracingEnabled: false,
  createdDate: 1,
  lastUpdatedDate: 1,
  tags: {},
});

describe('applyStagePatch', () => {
  it('sets and removes stage variables', () => {
    const next = applyStagePatch(stage(), [
      { op: 'replace', path: '/variables/b', value: '2' },
      { op: 'add', path: '/variables/c', value: 'x/y' },
      { op: 'remove', path: '/variables/a' },
    ]);
    expect(next.variables).toEqual({ b: '2', c: 'x/y' });
  });

  it('leaves the input stage as it was', () => {
    const original = stage();
    applyStagePatch(original, [{ op: 'replace', path: '/variables/a', value: 'changed' }]);
    expect(original.variables).toEqual({ a: '1' });
  });

  it('replaces top-level settings', () => {
    const next = applyStagePatch(stage(), [
      { op: 'replace', path: '/deploymentId', value: 'd2' },
      { op: 'replace', path: '/description', value: 'new' },
      { op: 'replace', path: '/cacheClusterEnabled', value: 'true' },
      { op: 'replace', path: '/cacheClusterSize', value: '6.1' },
      { op: 'replace', path: '/tracingEnabled', value: 'true' },
    ]);
    expect(next).toMatchObject({
      deploymentId: 'd2',
      description: 'new',
      cacheClusterEnabled: true,
      cacheClusterSize: '6.1',
      tracingEnabled: true,
    });
    expect(
      applyStagePatch(next, [{ op: 'remove', path: '/description' }]).description,
    ).toBeUndefined();
  });

  it('keys method settings as AWS does and starts from AWS defaults', () => {
    const next = applyStagePatch(stage(), [
      { op: 'replace', path: '/*/*/throttling/rateLimit', value: '12.5' },
      { op: 'replace', path: '/*/*/metrics/enabled', value: 'true' },
      { op: 'replace', path: '/~1pets~1{id}/GET/caching/ttlInSeconds', value: '60' },
      {
        op: 'replace',
        path: '/~1pets~1{id}/GET/caching/unauthorizedCacheControlHeaderStrategy',
        value: 'FAIL_WITH_403',
      },
      { op: 'replace', path: '/~1pets/ANY/logging/loglevel', value: 'INFO' },
    ]);
    expect(next.methodSettings['*/*']).toEqual({
      ...DEFAULT_METHOD_SETTING,
      throttlingRateLimit: 12.5,
      metricsEnabled: true,
    });
    expect(next.methodSettings['~1pets~1{id}/GET']).toMatchObject({
      cacheTtlInSeconds: 60,
      unauthorizedCacheControlHeaderStrategy: 'FAIL_WITH_403',
      throttlingBurstLimit: 5000,
    });
    expect(next.methodSettings['~1pets/ANY']?.loggingLevel).toBe('INFO');
    const reset = applyStagePatch(next, [{ op: 'remove', path: '/~1pets~1{id}/GET' }]);
    expect(Object.keys(reset.methodSettings).sort()).toEqual(['*/*', '~1pets/ANY']);
  });

  it('keys method settings as the path wrote them, in the CLI and the Terraform forms', () => {
    const next = applyStagePatch(stage(), [
      // Terraform: `/{method_path}/…` with the resource path's leading slash trimmed.
      { op: 'replace', path: '/pets/{id}/GET/metrics/enabled', value: 'true' },
      { op: 'replace', path: '/pets/GET/throttling/rateLimit', value: '100.000000' },
      { op: 'replace', path: '//GET/caching/enabled', value: 'true' },
      { op: 'replace', path: '/~1pets/GET/caching/enabled', value: 'true' },
    ]);
    expect(Object.keys(next.methodSettings).sort()).toEqual([
      '/GET',
      'pets/GET',
      'pets/{id}/GET',
      '~1pets/GET',
    ]);
    expect(next.methodSettings['pets/GET']?.throttlingRateLimit).toBe(100);
    expect(next.methodSettings['pets/{id}/GET']?.metricsEnabled).toBe(true);
    // Terraform deletes with `remove /{method_path}`.
    const removed = applyStagePatch(next, [{ op: 'remove', path: '/pets/{id}/GET' }]);
    expect(Object.keys(removed.methodSettings)).not.toContain('pets/{id}/GET');
  });

  it('takes -1 as "no throttling limit", as Terraform sends by default', () => {
    const next = applyStagePatch(stage(), [
      { op: 'replace', path: '/*/*/throttling/burstLimit', value: '-1' },
      { op: 'replace', path: '/*/*/throttling/rateLimit', value: '-1.000000' },
    ]);
    expect(next.methodSettings['*/*']).toMatchObject({
      throttlingBurstLimit: -1,
      throttlingRateLimit: -1,
    });
  });

  it('keeps a stage variable whatever its (valid) name, __proto__ included', () => {
    const next = applyStagePatch(stage(), [
      { op: 'replace', path: '/variables/__proto__', value: 'x' },
    ]);
    expect(Object.getOwnPropertyDescriptor(next.variables, '__proto__')?.value).toBe('x');
    expect(JSON.parse(JSON.stringify(next)).variables).toEqual({ a: '1', ['__proto__']: 'x' });
  });

  it.each([
    [
      'copy /description',
      { op: 'copy', path: '/description', value: 'x' },
      /op must be add, replace or remove/,
    ],
    ['replace description', { op: 'replace', path: 'description', value: 'x' }, /must start with/],
    ['replace /variables/a', { op: 'replace', path: '/variables/a' }, /value is required/],
    [
      'replace /variables/has space',
      { op: 'replace', path: '/variables/has space', value: 'x' },
      /Invalid stage variable name/,
    ],
    [
      'replace /variables/a (too long)',
      { op: 'replace', path: '/variables/a', value: 'x'.repeat(513) },
      /longer than 512/,
    ],
    ['remove /deploymentId', { op: 'remove', path: '/deploymentId' }, /can only be replaced/],
    [
      'replace /tracingEnabled',
      { op: 'replace', path: '/tracingEnabled', value: 'yes' },
      /expected true or false/,
    ],
    [
      'replace /cacheClusterSize',
      { op: 'replace', path: '/cacheClusterSize', value: '2' },
      /expected one of 0.5/,
    ],
    [
      'replace /*/GET/throttling/rateLimit',
      { op: 'replace', path: '/*/GET/throttling/rateLimit', value: '1' },
      /unknown method/,
    ],
    [
      'replace /~1pets/FETCH/throttling/rateLimit',
      { op: 'replace', path: '/~1pets/FETCH/throttling/rateLimit', value: '1' },
      /unknown method/,
    ],
    ['replace /nonsense/x', { op: 'replace', path: '/nonsense/x', value: '1' }, /unknown path/],
    [
      'replace /*/*/throttling/rateLimit',
      { op: 'replace', path: '/*/*/throttling/rateLimit', value: '-2' },
      /non-negative number/,
    ],
    [
      'remove /~1pets/GET (no such setting)',
      { op: 'remove', path: '/~1pets/GET' },
      /Cannot remove method setting ~1pets\/GET because there is no method setting/,
    ],
    ['remove /variables/', { op: 'remove', path: '/variables/' }, /expected \/variables\/\{name\}/],
    [
      'replace /*/*/throttling/burstLimit',
      { op: 'replace', path: '/*/*/throttling/burstLimit', value: '1.5' },
      /non-negative integer/,
    ],
    [
      'replace /*/*/caching/ttlInSeconds',
      { op: 'replace', path: '/*/*/caching/ttlInSeconds', value: '3601' },
      /at most 3600/,
    ],
    [
      'replace /*/*/logging/loglevel',
      { op: 'replace', path: '/*/*/logging/loglevel', value: 'DEBUG' },
      /expected one of OFF, ERROR, INFO/,
    ],
    [
      'replace /*/*/caching/nope',
      { op: 'replace', path: '/*/*/caching/nope', value: '1' },
      /unknown method setting/,
    ],
    [
      'remove /*/*/caching/enabled',
      { op: 'remove', path: '/*/*/caching/enabled' },
      /can only be replaced/,
    ],
    ['replace /*/*', { op: 'replace', path: '/*/*', value: '1' }, /needs a setting/],
  ])('rejects %s', (_title, op, message) => {
    const apply = () =>
      applyStagePatch(stage(), [{ op: 'replace', path: '/description', value: 'ok' }, op]);
    expect(apply).toThrow(AwsBadRequestException);
    expect(apply).toThrow(message);
    expect(apply).toThrow(/Invalid patch operation 1/);
  });
});

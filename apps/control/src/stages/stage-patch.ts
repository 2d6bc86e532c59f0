import { HTTP_METHODS, type MethodSetting, type Stage } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import { CACHE_CLUSTER_SIZES, checkVariable } from './stage.factory';

/** One of UpdateStage's `patchOperations` (RFC 6902 style, as AWS applies them). */
export interface PatchOperation {
  op?: string;
  path?: string;
  value?: string;
  from?: string;
}

/** What a method setting starts as before a patch changes it: AWS's defaults. */
export const DEFAULT_METHOD_SETTING: MethodSetting = {
  metricsEnabled: false,
  loggingLevel: 'OFF',
  dataTraceEnabled: false,
  throttlingBurstLimit: 5000,
  throttlingRateLimit: 10000,
  cachingEnabled: false,
  cacheTtlInSeconds: 300,
  cacheDataEncrypted: false,
  requireAuthorizationForCacheControl: true,
  unauthorizedCacheControlHeaderStrategy: 'SUCCEED_WITH_RESPONSE_HEADER',
};

type SettingParser = (value: string, fail: (why: string) => never) => Partial<MethodSetting>;

const bool =
  (key: keyof MethodSetting): SettingParser =>
  (v, fail) => {
    if (v !== 'true' && v !== 'false') fail('expected true or false');
    return { [key]: v === 'true' };
  };

const number =
  (key: keyof MethodSetting, opts: { integer: boolean; max?: number }): SettingParser =>
  (v, fail) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (opts.integer && !Number.isInteger(n))) {
      fail(`expected a non-negative ${opts.integer ? 'integer' : 'number'}`);
    }
    if (opts.max !== undefined && n > opts.max) fail(`expected at most ${opts.max}`);
    return { [key]: n };
  };

const oneOf =
  (key: keyof MethodSetting, allowed: readonly string[]): SettingParser =>
  (v, fail) => {
    if (!allowed.includes(v)) fail(`expected one of ${allowed.join(', ')}`);
    return { [key]: v };
  };

/** `/{resource}/{method}/{group}/{name}` setting paths AWS documents, and what they set. */
const METHOD_SETTING_PATHS: Record<string, SettingParser> = {
  'metrics/enabled': bool('metricsEnabled'),
  'logging/loglevel': oneOf('loggingLevel', ['OFF', 'ERROR', 'INFO']),
  'logging/dataTrace': bool('dataTraceEnabled'),
  'throttling/burstLimit': number('throttlingBurstLimit', { integer: true }),
  'throttling/rateLimit': number('throttlingRateLimit', { integer: false }),
  'caching/enabled': bool('cachingEnabled'),
  'caching/ttlInSeconds': number('cacheTtlInSeconds', { integer: true, max: 3600 }),
  'caching/dataEncrypted': bool('cacheDataEncrypted'),
  'caching/requireAuthorizationForCacheControl': bool('requireAuthorizationForCacheControl'),
  'caching/unauthorizedCacheControlHeaderStrategy': oneOf(
    'unauthorizedCacheControlHeaderStrategy',
    ['FAIL_WITH_403', 'SUCCEED_WITH_RESPONSE_HEADER', 'SUCCEED_WITHOUT_RESPONSE_HEADER'],
  ),
};

const METHOD_KEYS = new Set<string>([...HTTP_METHODS, 'ANY', '*']);

/**
 * Applies UpdateStage's patch operations in order to a copy of the stage. Any operation that
 * is not supported, or whose path or value is wrong, rejects the whole patch: nothing applies.
 * Returns the new stage; `deploymentId` may now name a deployment the caller must check.
 */
export function applyStagePatch(stage: Stage, ops: PatchOperation[]): Stage {
  const next: Stage = structuredClone(stage);
  ops.forEach((op, index) => applyOne(next, op, index));
  return next;
}

function applyOne(stage: Stage, patch: PatchOperation, index: number): void {
  const op = patch.op ?? '';
  const path = patch.path ?? '';
  const fail = (why: string): never => {
    throw new AwsBadRequestException(
      `Invalid patch operation ${index} (op: ${op}, path: ${path}): ${why}`,
    );
  };
  const value = (): string =>
    typeof patch.value === 'string' ? patch.value : fail('value is required');
  const setOp = op === 'replace' || op === 'add';
  if (!setOp && op !== 'remove') fail('op must be add, replace or remove');
  if (!path.startsWith('/')) fail('path must start with /');
  const segments = path.slice(1).split('/');

  switch (segments[0]) {
    case 'description':
      if (segments.length !== 1) fail('unknown path');
      stage.description = setOp ? value() : undefined;
      return;
    case 'deploymentId':
      if (segments.length !== 1 || !setOp) fail('deploymentId can only be replaced');
      stage.deploymentId = value();
      return;
    case 'cacheClusterEnabled':
    case 'tracingEnabled': {
      const field = segments[0];
      if (segments.length !== 1 || !setOp) fail(`${field} can only be replaced`);
      const v = value();
      if (v !== 'true' && v !== 'false') fail('expected true or false');
      stage[field] = v === 'true';
      if (field === 'cacheClusterEnabled' && v === 'true') stage.cacheClusterSize ??= '0.5';
      return;
    }
    case 'cacheClusterSize': {
      if (segments.length !== 1 || !setOp) fail('cacheClusterSize can only be replaced');
      const v = value();
      if (!(CACHE_CLUSTER_SIZES as readonly string[]).includes(v)) {
        fail(`expected one of ${CACHE_CLUSTER_SIZES.join(', ')}`);
      }
      stage.cacheClusterSize = v;
      return;
    }
    case 'variables': {
      if (segments.length !== 2 || !segments[1]) fail('expected /variables/{name}');
      const name = unescapePointer(segments[1]!);
      if (setOp) {
        const v = value();
        try {
          checkVariable(name, v);
        } catch (err) {
          fail((err as Error).message);
        }
        stage.variables[name] = v;
      } else {
        delete stage.variables[name];
      }
      return;
    }
    default:
      applyMethodSetting(stage, segments, setOp, value, fail);
  }
}

/**
 * `/{resourcePath}/{httpMethod}/{group}/{name}` with `/` in the resource path written `~1`
 * (`/~1pets~1{id}/GET/throttling/rateLimit`), or `/*\/*\/…` for every method. Settings are
 * keyed `~1pets~1{id}/GET` (or `*\/*`), as AWS keys them.
 */
function applyMethodSetting(
  stage: Stage,
  segments: string[],
  setOp: boolean,
  value: () => string,
  fail: (why: string) => never,
): void {
  const [resource = '', method = ''] = segments;
  const isAll = resource === '*';
  if (!isAll && !unescapePointer(resource).startsWith('/')) fail('unknown path');
  if (!METHOD_KEYS.has(method) || (isAll && method !== '*')) {
    fail(`unknown method ${JSON.stringify(method)} in method settings path`);
  }
  const key = `${isAll ? '*' : escapePointer(unescapePointer(resource))}/${method}`;
  if (segments.length === 2) {
    if (setOp) fail('a method settings path needs a setting, e.g. /throttling/rateLimit');
    delete stage.methodSettings[key];
    return;
  }
  const parser = METHOD_SETTING_PATHS[segments.slice(2).join('/')];
  if (segments.length !== 4 || !parser) {
    fail(`unknown method setting; supported: ${Object.keys(METHOD_SETTING_PATHS).join(', ')}`);
  }
  if (!setOp)
    fail('method settings can only be replaced; remove /{resource}/{method} to reset them');
  stage.methodSettings[key] = {
    ...(stage.methodSettings[key] ?? DEFAULT_METHOD_SETTING),
    ...parser(value(), fail),
  };
}

/** JSON Pointer escaping (RFC 6901), which AWS uses for `/` inside a path segment. */
function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

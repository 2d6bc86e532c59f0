import { type MethodSetting, methodSettingTarget, type Stage } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import type { PatchOperation } from '../common/patch-operations';
import { CACHE_CLUSTER_SIZES, checkVariable } from './stage.factory';

export type { PatchOperation };

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
    const kind = opts.integer ? 'integer' : 'number';
    if (v.trim() === '' || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n))) {
      fail(`expected a non-negative ${kind}`);
    }
    if (n < 0) fail(`expected a non-negative ${kind}`);
    if (opts.max !== undefined && n > opts.max) fail(`expected at most ${opts.max}`);
    return { [key]: n };
  };

/** Throttling limits also take -1, AWS's "no limit" (and what Terraform sends by default). */
const limit =
  (key: keyof MethodSetting, opts: { integer: boolean }): SettingParser =>
  (v, fail) =>
    Number(v) === -1 ? { [key]: -1 } : number(key, opts)(v, fail);

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
  'throttling/burstLimit': limit('throttlingBurstLimit', { integer: true }),
  'throttling/rateLimit': limit('throttlingRateLimit', { integer: false }),
  'caching/enabled': bool('cachingEnabled'),
  'caching/ttlInSeconds': number('cacheTtlInSeconds', { integer: true, max: 3600 }),
  'caching/dataEncrypted': bool('cacheDataEncrypted'),
  'caching/requireAuthorizationForCacheControl': bool('requireAuthorizationForCacheControl'),
  'caching/unauthorizedCacheControlHeaderStrategy': oneOf(
    'unauthorizedCacheControlHeaderStrategy',
    ['FAIL_WITH_403', 'SUCCEED_WITH_RESPONSE_HEADER', 'SUCCEED_WITHOUT_RESPONSE_HEADER'],
  ),
};

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
  const [first = ''] = segments;

  if (first === 'variables' && segments.length === 2) {
    const name = unescapePointer(segments[1]!);
    if (name === '') fail('expected /variables/{name}');
    if (setOp) {
      const v = value();
      try {
        checkVariable(name, v);
      } catch (err) {
        fail((err as Error).message);
      }
      // A computed key defines the member, so even a variable named `__proto__` is kept.
      stage.variables = { ...stage.variables, [name]: v };
    } else {
      delete stage.variables[name];
    }
    return;
  }
  if (segments.length > 1) {
    applyMethodSetting(stage, segments, setOp, value, fail);
    return;
  }
  switch (first) {
    case 'description':
      stage.description = setOp ? value() : undefined;
      return;
    case 'deploymentId':
      if (!setOp) fail('deploymentId can only be replaced');
      stage.deploymentId = value();
      return;
    case 'cacheClusterEnabled':
    case 'tracingEnabled': {
      if (!setOp) fail(`${first} can only be replaced`);
      const v = value();
      if (v !== 'true' && v !== 'false') fail('expected true or false');
      stage[first] = v === 'true';
      if (first === 'cacheClusterEnabled' && v === 'true') stage.cacheClusterSize ??= '0.5';
      return;
    }
    case 'cacheClusterSize': {
      if (!setOp) fail('cacheClusterSize can only be replaced');
      const v = value();
      if (!(CACHE_CLUSTER_SIZES as readonly string[]).includes(v)) {
        fail(`expected one of ${CACHE_CLUSTER_SIZES.join(', ')}`);
      }
      stage.cacheClusterSize = v;
      return;
    }
    default:
      fail('unknown path');
  }
}

/**
 * `/{key}/{group}/{name}` sets one method setting, `/{key}` (with remove) drops the method's
 * settings. `{key}` is `{resourcePath}/{httpMethod}` or `*\/*`, and becomes the key in
 * `methodSettings` exactly as written — as AWS keeps it, so a client that wrote
 * `~1pets/GET` (the CLI) or `pets/GET` (Terraform) finds its settings under that key.
 */
function applyMethodSetting(
  stage: Stage,
  segments: string[],
  setOp: boolean,
  value: () => string,
  fail: (why: string) => never,
): void {
  if (!setOp && METHOD_SETTING_PATHS[segments.slice(-2).join('/')]) {
    fail('method settings can only be replaced; remove /{resource}/{method} to reset them');
  }
  if (setOp && methodSettingTarget(segments.join('/'))) {
    fail('a method settings path needs a setting, e.g. /throttling/rateLimit');
  }
  const keySegments = setOp ? segments.slice(0, -2) : segments;
  const key = keySegments.join('/');
  if (keySegments.length < 2) fail('unknown path');
  if (!methodSettingTarget(key)) {
    fail(
      `unknown method ${JSON.stringify(keySegments[keySegments.length - 1])} in method settings path`,
    );
  }
  if (!setOp) {
    if (!stage.methodSettings[key]) {
      fail(
        `Cannot remove method setting ${key} because there is no method setting for this method`,
      );
    }
    delete stage.methodSettings[key];
    return;
  }
  const parser = METHOD_SETTING_PATHS[segments.slice(-2).join('/')];
  if (!parser) {
    fail(`unknown method setting; supported: ${Object.keys(METHOD_SETTING_PATHS).join(', ')}`);
  }
  stage.methodSettings[key] = {
    ...(stage.methodSettings[key] ?? DEFAULT_METHOD_SETTING),
    ...parser(value(), fail),
  };
}

/** JSON Pointer escaping (RFC 6901), which AWS uses for `/` inside a path segment. */
function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

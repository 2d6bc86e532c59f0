import type { QuotaPeriod, ThrottleSettings, UsagePlanApiStage } from '@portico/definitions';
import { type DesiredApiKey, fileApiStage, STAGE_REF_SCHEMA } from './config-file.apikeys';
import type { DesiredApi } from './config-file.loader';

/** `{rateLimit, burstLimit}`, as usage plans and stages write a token bucket. */
export const THROTTLE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rateLimit: { type: 'number', minimum: 0 },
    burstLimit: { type: 'integer', minimum: 0 },
  },
} as const;

const METHOD_KEY_PATTERN = '^/[^\\s]*/(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY|\\*)$';

/** Throttles by method, keyed `{resourcePath}/{httpMethod}` (`/pets/{id}/GET`). */
export const METHOD_THROTTLES_SCHEMA = {
  type: 'object',
  propertyNames: { pattern: METHOD_KEY_PATTERN },
  additionalProperties: THROTTLE_SCHEMA,
} as const;

/**
 * `{resourcePath}/{httpMethod}` as AWS's patch paths (and the method settings keys they write)
 * spell it: `/` and `~` inside the resource path JSON-Pointer escaped (`/pets/GET` → `~1pets/GET`).
 */
export function escapedMethodKey(method: string): string {
  const slash = method.lastIndexOf('/');
  const resource = method.slice(0, slash).replace(/~/g, '~0').replace(/\//g, '~1');
  return `${resource}${method.slice(slash)}`;
}

/** A `usagePlans:` entry as written. */
export interface ConfigFileUsagePlan {
  name: string;
  description?: string;
  apiStages?: Array<{
    restApi: string;
    stage: string;
    /** Per-method throttles keyed `{resourcePath}/{httpMethod}`. */
    throttle?: Record<string, ThrottleSettings>;
  }>;
  throttle?: ThrottleSettings;
  quota?: { limit: number; period: QuotaPeriod; offset?: number };
  /** Names of the file's `apiKeys:` entries, or ids of keys made through the management API. */
  apiKeys?: string[];
}

export const USAGE_PLANS_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 1024 },
      description: { type: 'string', maxLength: 1024 },
      apiStages: {
        type: 'array',
        items: {
          ...STAGE_REF_SCHEMA,
          properties: { ...STAGE_REF_SCHEMA.properties, throttle: METHOD_THROTTLES_SCHEMA },
        },
      },
      throttle: THROTTLE_SCHEMA,
      quota: {
        type: 'object',
        additionalProperties: false,
        required: ['limit', 'period'],
        properties: {
          limit: { type: 'integer', minimum: 0 },
          period: { enum: ['DAY', 'WEEK', 'MONTH'] },
          offset: { type: 'integer', minimum: 0 },
        },
      },
      apiKeys: { type: 'array', items: { type: 'string', minLength: 1 } },
    },
  },
} as const;

/** A key the plan holds: one of the file's API keys (by name), or an existing key's id. */
export type DesiredPlanKey = { fileKey: string } | { keyId: string };

/** A usage plan as the file wants it. */
export interface DesiredUsagePlan {
  name: string;
  description?: string;
  /** In the file's order, each `{apiId, stage}` once. */
  apiStages: UsagePlanApiStage[];
  throttle?: ThrottleSettings;
  quota?: { limit: number; period: QuotaPeriod; offset?: number };
  keys: DesiredPlanKey[];
  /** Where the file declares it (`usagePlans[0]`). */
  at: string;
}

/**
 * The file's usage plans, checked as the management API would check them so that a file it
 * would refuse changes nothing: an API stage names an API of the file, REST or WebSocket (by id
 * or name, as stage keys do), and one of its stages; a key named after one of the file's `apiKeys:` entries
 * is that key, any other is taken for a key id; and, as in AWS, no key is in two plans that
 * cover the same API stage.
 */
export function resolveUsagePlans(
  entries: ConfigFileUsagePlan[] | undefined,
  apiKeys: DesiredApiKey[],
  findApi: (ref: string, at: string) => DesiredApi | undefined,
  fail: (message: string) => Error,
): DesiredUsagePlan[] {
  const desired: DesiredUsagePlan[] = [];
  for (const [i, entry] of (entries ?? []).entries()) {
    const at = `usagePlans[${i}]`;
    const clash = desired.find((d) => d.name === entry.name);
    if (clash) throw fail(`${at}.name "${entry.name}" is also the name of ${clash.at}`);
    if (entry.quota && (entry.quota.offset ?? 0) > entry.quota.limit) {
      throw fail(`${at}.quota.offset ${entry.quota.offset} is more than its limit`);
    }
    const apiStages: UsagePlanApiStage[] = [];
    for (const [j, { restApi, stage, throttle }] of (entry.apiStages ?? []).entries()) {
      const sat = `${at}.apiStages[${j}]`;
      const api = fileApiStage(restApi, stage, sat, findApi, fail, true);
      if (apiStages.some((s) => s.apiId === api.id && s.stage === stage)) {
        throw fail(`${sat} covers ${api.id}:${stage} a second time`);
      }
      apiStages.push({ apiId: api.id, stage, ...(throttle ? { throttle } : {}) });
    }
    const keys: DesiredPlanKey[] = [];
    for (const [j, ref] of (entry.apiKeys ?? []).entries()) {
      const key: DesiredPlanKey = apiKeys.some((k) => k.name === ref)
        ? { fileKey: ref }
        : { keyId: ref };
      if (keys.some((k) => sameKey(k, key)))
        throw fail(`${at}.apiKeys[${j}] "${ref}" appears twice`);
      keys.push(key);
    }
    const plan: DesiredUsagePlan = {
      name: entry.name,
      ...(entry.description ? { description: entry.description } : {}),
      apiStages,
      ...(entry.throttle ? { throttle: entry.throttle } : {}),
      ...(entry.quota ? { quota: entry.quota } : {}),
      keys,
      at,
    };
    refuseSharedStage(plan, desired, fail);
    desired.push(plan);
  }
  return desired;
}

function sameKey(a: DesiredPlanKey, b: DesiredPlanKey): boolean {
  return 'fileKey' in a
    ? 'fileKey' in b && a.fileKey === b.fileKey
    : 'keyId' in b && a.keyId === b.keyId;
}

/** AWS's ConflictException, found before anything is written. */
function refuseSharedStage(
  plan: DesiredUsagePlan,
  earlier: DesiredUsagePlan[],
  fail: (message: string) => Error,
): void {
  for (const other of earlier) {
    const key = plan.keys.find((k) => other.keys.some((o) => sameKey(k, o)));
    if (!key) continue;
    const shared = plan.apiStages.find((s) =>
      other.apiStages.some((o) => o.apiId === s.apiId && o.stage === s.stage),
    );
    if (shared) {
      const name = 'fileKey' in key ? key.fileKey : key.keyId;
      throw fail(
        `${plan.at}.apiKeys: "${name}" is also in ${other.at}, which covers the same API stage ` +
          `${shared.apiId}:${shared.stage} (a key may be in one plan per API stage)`,
      );
    }
  }
}

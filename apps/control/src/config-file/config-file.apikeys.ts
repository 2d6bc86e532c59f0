import { API_KEY_MAX_LENGTH, API_KEY_MIN_LENGTH } from '@portico/contracts';
import { STAGE_NAME_PATTERN } from '../stages/stage.factory';
import type { DesiredApi } from './config-file.loader';
import { ENV_NAME_SCHEMA, resolveSecret, type SecretField } from './config-file.secrets';

/** An `apiKeys:` entry as written. The value is given inline or named by variable. */
export interface ConfigFileApiKey {
  name: string;
  value?: string;
  valueEnv?: string;
  description?: string;
  enabled?: boolean;
  customerId?: string;
  stageKeys?: Array<{ restApi: string; stage: string }>;
}

/** A stage of a REST API in the file, named by the API's id or name (`apiKeys`, `usagePlans`). */
export const STAGE_REF_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['restApi', 'stage'],
  properties: {
    restApi: { type: 'string', minLength: 1 },
    stage: { type: 'string', pattern: STAGE_NAME_PATTERN },
  },
} as const;

export const API_KEYS_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      // AWS's limits for CreateApiKey's members.
      name: { type: 'string', minLength: 1, maxLength: 1024 },
      // Its length is checked after the schema, so that no message can quote it.
      value: { type: 'string' },
      valueEnv: ENV_NAME_SCHEMA,
      description: { type: 'string', maxLength: 1024 },
      enabled: { type: 'boolean' },
      customerId: { type: 'string', maxLength: 1024 },
      stageKeys: { type: 'array', items: STAGE_REF_SCHEMA },
    },
  },
} as const;

const VALUE: SecretField = {
  inline: 'value',
  fromEnv: 'valueEnv',
  what: "the key's value",
  min: API_KEY_MIN_LENGTH,
  max: API_KEY_MAX_LENGTH,
};

/** An API key as the file wants it, its value resolved. */
export interface DesiredApiKey {
  name: string;
  value: string;
  description?: string;
  enabled: boolean;
  customerId?: string;
  /** `{restApiId}/{stageName}`, sorted. */
  stageKeys: string[];
  /** Where the file declares it (`apiKeys[0]`). */
  at: string;
}

/**
 * The API of the file that `restApi` names, which has `stage`; else an error saying where. Only
 * a REST API unless `webSocket` (usage plans cover WebSocket APIs too; stage keys do not).
 */
export function fileApiStage(
  restApi: string,
  stage: string,
  at: string,
  findApi: (ref: string, at: string) => DesiredApi | undefined,
  fail: (message: string) => Error,
  webSocket = false,
): DesiredApi {
  const api = findApi(restApi, `${at}.restApi`);
  if (!api || (!webSocket && api.protocolType === 'WEBSOCKET')) {
    throw fail(`${at}.restApi "${restApi}" is not ${webSocket ? 'an' : 'a REST'} API in the file`);
  }
  if (!api.stages.some((s) => s.name === stage)) {
    const kind = api.protocolType === 'WEBSOCKET' ? 'WebSocket' : 'REST';
    throw fail(`${at}.stage "${stage}" is not a stage of ${kind} API "${api.id}"`);
  }
  return api;
}

/**
 * The file's API keys with their values read from the environment where named; checked as the
 * auth service will check them, so a file it would refuse changes nothing. A stage key names a
 * REST API of the file (by id or name) and one of its stages. `findApi` looks an API up as
 * domain mappings do.
 */
export function resolveApiKeys(
  entries: ConfigFileApiKey[] | undefined,
  env: Readonly<Record<string, string | undefined>>,
  findApi: (ref: string, at: string) => DesiredApi | undefined,
  fail: (message: string) => Error,
): DesiredApiKey[] {
  const desired: DesiredApiKey[] = [];
  for (const [i, entry] of (entries ?? []).entries()) {
    const at = `apiKeys[${i}]`;
    const clash = desired.find((d) => d.name === entry.name);
    if (clash) throw fail(`${at}.name "${entry.name}" is also the name of ${clash.at}`);
    const value = resolveSecret({ ...entry }, VALUE, at, env, fail);
    const stageKeys = new Set<string>();
    for (const [j, { restApi, stage }] of (entry.stageKeys ?? []).entries()) {
      const api = fileApiStage(restApi, stage, `${at}.stageKeys[${j}]`, findApi, fail);
      stageKeys.add(`${api.id}/${stage}`);
    }
    desired.push({
      name: entry.name,
      value,
      ...(entry.description ? { description: entry.description } : {}),
      enabled: entry.enabled ?? true,
      ...(entry.customerId ? { customerId: entry.customerId } : {}),
      stageKeys: [...stageKeys].sort(),
      at,
    });
  }
  return desired;
}

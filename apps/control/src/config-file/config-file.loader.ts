import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import Ajv from 'ajv';
import {
  ALL_METHODS_SETTING_KEY,
  type ApiDefinition,
  DefinitionError,
  importOpenApi,
  type ProtocolType,
  type ThrottleSettings,
} from '@portico/definitions';
import { parse as parseYaml } from 'yaml';
import { describeAjvError } from '../common/ajv-errors';
import { normaliseBasePath } from '../domains/domain.rules';
import {
  type ConfigFileDocument,
  configFileSchema,
  type ConfigFileStage,
} from './config-file.schema';
import { type DesiredApiKey, resolveApiKeys } from './config-file.apikeys';
import { type DesiredCredential, resolveCredentials } from './config-file.credentials';
import {
  type DesiredUsagePlan,
  escapedMethodKey,
  resolveUsagePlans,
} from './config-file.usage-plans';
import { resolveWebSocketApi } from './config-file.websocket';

/** A config file that cannot be deployed; the message names the field and the file. */
export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

export interface DesiredStage {
  name: string;
  description?: string;
  variables: Record<string, string>;
  /**
   * Throttling by method settings key, as UpdateStage would write it: `*\/*` for the stage's
   * default, `~1pets/GET` for a method. Absent: the file declares none for the stage.
   */
  throttles?: Record<string, ThrottleSettings>;
}

export interface DesiredApi {
  id: string;
  name: string;
  definition: ApiDefinition;
  stages: DesiredStage[];
  /** Where the file declares it (`webSocketApis[0]`); absent: `restApis[<index>]`. */
  at?: string;
  /** Absent: REST. */
  protocolType?: ProtocolType;
}

export interface DesiredMapping {
  basePath: string;
  restApiId: string;
  stage: string;
  /** The API is not in the file: it must already exist (created through the management API). */
  external: boolean;
}

export interface DesiredDomain {
  domainName: string;
  basePathMappings: DesiredMapping[];
}

export interface DesiredState {
  apis: DesiredApi[];
  domains: DesiredDomain[];
  /** Absent: the file declares none. */
  credentials?: DesiredCredential[];
  /** Absent: the file declares none. */
  apiKeys?: DesiredApiKey[];
  /** Absent: the file declares none. */
  usagePlans?: DesiredUsagePlan[];
  warnings: string[];
}

export interface LoadOutcome {
  /** Every file the config depends on (itself and its definitions), to watch even if invalid. */
  files: string[];
  result: { ok: true; state: DesiredState } | { ok: false; error: ConfigFileError };
}

/** The config file and each definition: ImportRestApi's body limit, and never a device. */
const MAX_FILE_BYTES = 6 * 1024 * 1024;

const ajv = new Ajv({ allErrors: false, strict: false });
const validate = ajv.compile<ConfigFileDocument>(configFileSchema);

/**
 * Reads, validates and imports everything the config file names; writes nothing. `env` holds
 * the variables credentials and API keys name their secrets by.
 */
export async function loadConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<LoadOutcome> {
  const files = [path];
  try {
    const doc = await readDocument(path);
    const base = dirname(path);
    for (const api of doc.restApis ?? []) {
      const file = resolve(base, api.definition);
      if (isWithin(base, file)) files.push(file);
    }
    const state = await resolveDocument(doc, base);
    const fail = (message: string) => new ConfigFileError(message);
    const credentials = resolveCredentials(doc.credentials, env, fail);
    const findFileApi = (ref: string, at: string) => findApi(state.apis, ref, at);
    const apiKeys = resolveApiKeys(doc.apiKeys, env, findFileApi, fail);
    const usagePlans = resolveUsagePlans(doc.usagePlans, apiKeys, findFileApi, fail);
    return {
      files,
      result: { ok: true, state: { ...state, credentials, apiKeys, usagePlans } },
    };
  } catch (err) {
    if (err instanceof ConfigFileError) return { files, result: { ok: false, error: err } };
    throw err;
  }
}

async function readDocument(path: string): Promise<ConfigFileDocument> {
  const text = await readText(path, 'the config file');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigFileError(`not valid YAML or JSON: ${(err as Error).message}`);
  }
  // An empty file is far more often a write caught half-way than a wish to delete every API.
  if (doc === null || doc === undefined) {
    throw new ConfigFileError('the file is empty (write `restApis: []` to deploy no APIs)');
  }
  if (!validate(doc)) {
    throw new ConfigFileError(describeAjvError(validate.errors?.[0], 'the document'));
  }
  return doc;
}

async function resolveDocument(doc: ConfigFileDocument, base: string): Promise<DesiredState> {
  const warnings: string[] = [];
  const apis: DesiredApi[] = [];
  for (const [i, entry] of (doc.restApis ?? []).entries()) {
    const at = `restApis[${i}]`;
    const file = resolve(base, entry.definition);
    // The file names what control reads; keeping it to its own directory means write access
    // to the config cannot point control at any other file the process may read.
    if (!isWithin(base, file)) {
      throw new ConfigFileError(
        `${at}.definition "${entry.definition}" is outside the config file's directory (${base})`,
      );
    }
    const shown = isAbsolute(entry.definition) ? entry.definition : relative(base, file);
    let definition: ApiDefinition;
    try {
      const imported = await importOpenApi(await readText(file, `${at}.definition`), {});
      definition = imported.definition;
      warnings.push(...imported.warnings.map((w) => `${at}.definition (${shown}): ${w}`));
    } catch (err) {
      if (err instanceof DefinitionError) {
        throw new ConfigFileError(`${at}.definition (${shown}): ${err.message}`);
      }
      throw err;
    }
    const name = entry.name ?? definition.title;
    if (!name.trim())
      throw new ConfigFileError(`${at}.name is required (the definition has no info.title)`);
    const id = entry.id ?? idFromName(name);
    checkUnique(apis, id, at);
    const stages = resolveStages(entry.stages, at, true);
    apis.push({ id, name, definition, stages });
  }
  for (const [i, entry] of (doc.webSocketApis ?? []).entries()) {
    const at = `webSocketApis[${i}]`;
    const api = resolveWebSocketApi(
      entry,
      at,
      resolveStages(entry.stages, at, false),
      idFromName,
      (message) => new ConfigFileError(message),
    );
    checkUnique(apis, api.id, at);
    apis.push(api);
  }
  return { apis, domains: resolveDomains(doc, apis), warnings };
}

/** An id names one API of either kind. */
function checkUnique(apis: DesiredApi[], id: string, at: string): void {
  const clash = apis.findIndex((a) => a.id === id);
  if (clash >= 0) {
    const other = apis[clash]?.at ?? `restApis[${clash}]`;
    throw new ConfigFileError(`${at}.id "${id}" is also the id of ${other}`);
  }
}

function resolveStages(
  entries: ConfigFileStage[] | undefined,
  at: string,
  rest: boolean,
): DesiredStage[] {
  const stages: DesiredStage[] = [];
  for (const [j, s] of (entries ?? []).entries()) {
    if (stages.some((x) => x.name === s.name)) {
      throw new ConfigFileError(`${at}.stages[${j}].name "${s.name}" appears twice`);
    }
    const variables = Object.fromEntries(
      Object.entries(s.variables ?? {}).map(([k, v]) => [k, String(v)]),
    );
    const throttles = stageThrottles(s, `${at}.stages[${j}]`, rest);
    stages.push({
      name: s.name,
      description: s.description,
      variables,
      ...(throttles && { throttles }),
    });
  }
  return stages;
}

/** A REST stage's `throttle` and `methodThrottles` as method settings keys. */
function stageThrottles(
  s: ConfigFileStage,
  at: string,
  rest: boolean,
): Record<string, ThrottleSettings> | undefined {
  if (s.throttle === undefined && s.methodThrottles === undefined) return undefined;
  if (!rest) {
    throw new ConfigFileError(`${at}: throttle and methodThrottles are for REST API stages`);
  }
  const throttles: Record<string, ThrottleSettings> = {};
  if (s.throttle) throttles[ALL_METHODS_SETTING_KEY] = s.throttle;
  // Keyed as AWS's console and CLI write them.
  for (const [method, t] of Object.entries(s.methodThrottles ?? {})) {
    throttles[escapedMethodKey(method)] = t;
  }
  return throttles;
}

function resolveDomains(doc: ConfigFileDocument, apis: DesiredApi[]): DesiredDomain[] {
  const domains: DesiredDomain[] = [];
  for (const [i, entry] of (doc.domainNames ?? []).entries()) {
    const at = `domainNames[${i}]`;
    const domainName = entry.domainName.toLowerCase();
    if (domains.some((d) => d.domainName === domainName)) {
      throw new ConfigFileError(`${at}.domainName "${domainName}" appears twice`);
    }
    const mappings: DesiredMapping[] = [];
    for (const [j, m] of (entry.basePathMappings ?? []).entries()) {
      const mat = `${at}.basePathMappings[${j}]`;
      const basePath = normaliseBasePath(m.basePath);
      if (mappings.some((x) => x.basePath === basePath)) {
        throw new ConfigFileError(`${mat}.basePath "${basePath}" is mapped twice`);
      }
      const api = findApi(apis, m.restApi, `${mat}.restApi`);
      if (api && !api.stages.some((s) => s.name === m.stage)) {
        throw new ConfigFileError(
          `${mat}.stage "${m.stage}" is not a stage of ${api.protocolType === 'WEBSOCKET' ? 'WebSocket' : 'REST'} API "${api.id}"`,
        );
      }
      mappings.push({ basePath, restApiId: api?.id ?? m.restApi, stage: m.stage, external: !api });
    }
    domains.push({ domainName, basePathMappings: mappings });
  }
  return domains;
}

/** By id first, then by name; an API the file does not declare is looked up later by id. */
function findApi(apis: DesiredApi[], ref: string, at: string): DesiredApi | undefined {
  const byId = apis.find((a) => a.id === ref);
  if (byId) return byId;
  const byName = apis.filter((a) => a.name === ref);
  if (byName.length > 1) throw new ConfigFileError(`${at} "${ref}" names more than one API`);
  return byName[0];
}

/** The default id: the name's letters and digits, lowercased (`Demo API` → `demoapi`). */
export function idFromName(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 32);
  return id || createHash('sha256').update(name).digest('hex').slice(0, 10);
}

async function readText(path: string, what: string): Promise<string> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ConfigFileError(`${what}: ${path} is not a regular file`);
    if (info.size > MAX_FILE_BYTES) {
      throw new ConfigFileError(
        `${what}: ${path} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB (${info.size} bytes)`,
      );
    }
    return await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof ConfigFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigFileError(
      `${what}: cannot read ${path}${code === 'ENOENT' ? ' (no such file)' : `: ${(err as Error).message}`}`,
    );
  }
}

/** `file` is `dir` or below it. */
function isWithin(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}

import { Injectable } from '@nestjs/common';
import {
  AUTH_APIKEY_CREATE,
  AUTH_APIKEY_DELETE,
  AUTH_APIKEY_GET,
  AUTH_APIKEY_IMPORT,
  AUTH_APIKEY_LIST,
  AUTH_APIKEY_UPDATE,
  type ApiKeyView,
  type ImportApiKeysRequest,
  type ListApiKeysRequest,
  type NewApiKey,
  type UpdateApiKeyRequest,
} from '@portico/contracts';
import { DefinitionStore } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import { requireStage } from '../common/lookups';
import { pageLimit } from '../common/pagination';
import { refuseReservedTags } from '../common/reserved-tags';
import type { PatchOperation } from '../common/patch-operations';
import { parseApiKeyCsv } from './apikey-csv';
import type { CreateApiKeyBody } from './apikey.schemas';
import { type ApiKeyShape, apiKeyShape } from './apikey.shapes';
import { AuthClient } from './auth-client';

export interface ListQuery {
  limit?: string;
  position?: string;
  nameQuery?: string;
  customerId?: string;
  includeValues?: boolean;
}

/** Page size when reading every key. */
const ALL_PAGE = 500;

/** The patch paths UpdateApiKey takes, as AWS names them. */
const REPLACEABLE = ['/name', '/description', '/customerId', '/enabled'] as const;

/**
 * AWS's API key operations: shapes and checks here, the keys themselves in the auth service
 * (which keeps the values sealed and tells edges about every change).
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly auth: AuthClient,
    private readonly store: DefinitionStore,
  ) {}

  async create(body: CreateApiKeyBody): Promise<ApiKeyShape> {
    refuseReservedTags(body.tags);
    const stageKeys = await this.stageKeys(
      (body.stageKeys ?? []).map((k) => `${k.restApiId}/${k.stageName}`),
    );
    return apiKeyShape(
      await this.createRaw({
        name: body.name,
        description: body.description,
        enabled: body.enabled,
        value: body.value,
        customerId: body.customerId,
        stageKeys,
        tags: body.tags,
      }),
    );
  }

  /** A create as the config file makes it: any tags, stage keys it checked itself. */
  async createRaw(request: NewApiKey): Promise<ApiKeyView> {
    return (await this.auth.call<{ apiKey: ApiKeyView }>(AUTH_APIKEY_CREATE, request)).apiKey;
  }

  /** An update as the config file makes it. */
  async updateRaw(request: UpdateApiKeyRequest): Promise<ApiKeyView> {
    return (await this.auth.call<{ apiKey: ApiKeyView }>(AUTH_APIKEY_UPDATE, request)).apiKey;
  }

  /** Every key, oldest first, with or without its value. */
  async all(includeValues: boolean): Promise<ApiKeyView[]> {
    const all: ApiKeyView[] = [];
    let position: string | undefined;
    do {
      const request: ListApiKeysRequest = { limit: ALL_PAGE, position, includeValues };
      const page = await this.auth.call<{ items: ApiKeyView[]; position?: string }>(
        AUTH_APIKEY_LIST,
        request,
      );
      all.push(...page.items);
      position = page.position;
    } while (position);
    return all;
  }

  async get(id: string, includeValue: boolean): Promise<ApiKeyShape> {
    const { apiKey } = await this.auth.call<{ apiKey: ApiKeyView }>(AUTH_APIKEY_GET, {
      id,
      includeValue,
    });
    return apiKeyShape(apiKey);
  }

  async list(query: ListQuery): Promise<{ item: ApiKeyShape[]; position?: string }> {
    const request: ListApiKeysRequest = {
      limit: pageLimit(query.limit),
      position: query.position,
      nameQuery: query.nameQuery,
      customerId: query.customerId,
      includeValues: query.includeValues,
    };
    const { items, position } = await this.auth.call<{ items: ApiKeyView[]; position?: string }>(
      AUTH_APIKEY_LIST,
      request,
    );
    return { item: items.map(apiKeyShape), ...(position ? { position } : {}) };
  }

  async update(id: string, operations: PatchOperation[]): Promise<ApiKeyShape> {
    const update: UpdateApiKeyRequest = { id };
    const added: string[] = [];
    const removed: string[] = [];
    for (const { op, path, value } of operations) {
      if (op === 'replace' && (REPLACEABLE as readonly string[]).includes(path ?? '')) {
        Object.assign(update, replacement(path as (typeof REPLACEABLE)[number], value));
      } else if ((op === 'add' || op === 'remove') && path === '/stages') {
        if (!value)
          throw new AwsBadRequestException(`${op} /stages needs a value: {restApiId}/{stageName}`);
        (op === 'add' ? added : removed).push(value);
      } else {
        throw new AwsBadRequestException(
          `Invalid patch path '${path}' specified for op '${op}'. Must be one of: ` +
            `[replace ${REPLACEABLE.join(', replace ')}, add /stages, remove /stages]`,
        );
      }
    }
    update.addStageKeys = await this.stageKeys(added);
    update.removeStageKeys = removed;
    return apiKeyShape(await this.updateRaw(update));
  }

  async delete(id: string): Promise<void> {
    await this.auth.call(AUTH_APIKEY_DELETE, { id });
  }

  /** ImportApiKeys (format=csv): all keys or, with a warning and failonwarnings, none. */
  async import(
    body: Buffer,
    failOnWarnings: boolean,
  ): Promise<{ ids: string[]; warnings?: string[] }> {
    const { keys, warnings } = parseApiKeyCsv(body);
    if (failOnWarnings && warnings.length > 0) {
      throw new AwsBadRequestException(`Warnings found during import: ${warnings.join('; ')}`);
    }
    const request: ImportApiKeysRequest = { keys };
    const { ids } = await this.auth.call<{ ids: string[] }>(AUTH_APIKEY_IMPORT, request);
    return warnings.length > 0 ? { ids, warnings } : { ids };
  }

  /** `{restApiId}/{stageName}` values, each naming a stage that exists (else NotFound). */
  private async stageKeys(values: string[]): Promise<string[]> {
    for (const value of values) {
      const slash = value.indexOf('/');
      if (slash <= 0 || slash === value.length - 1) {
        throw new AwsBadRequestException(
          `Invalid stage key ${value}: expected {restApiId}/{stageName}`,
        );
      }
      await requireStage(this.store, value.slice(0, slash), value.slice(slash + 1));
    }
    return values;
  }
}

function replacement(
  path: (typeof REPLACEABLE)[number],
  value: string | undefined,
): Partial<UpdateApiKeyRequest> {
  if (path === '/enabled') {
    if (value !== 'true' && value !== 'false') {
      throw new AwsBadRequestException(
        `Invalid value for /enabled: ${value} (expected true or false)`,
      );
    }
    return { enabled: value === 'true' };
  }
  if (value === undefined) throw new AwsBadRequestException(`replace ${path} needs a value`);
  if (path === '/name' && value === '') throw new AwsBadRequestException('name must not be empty');
  return { [path.slice(1)]: value };
}

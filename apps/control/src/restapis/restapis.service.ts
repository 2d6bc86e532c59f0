import { Injectable, Logger } from '@nestjs/common';
import {
  type ApiDefinition,
  DefinitionStore,
  type EndpointType,
  generateId,
  HTTP_METHODS,
  importOpenApi,
  type ImportOptions,
  type Method,
  type MethodKey,
  mergeDefinitions,
  type ProtocolType,
  type Resource,
  type RestApi,
} from '@portico/definitions';
import {
  AwsBadRequestException,
  AwsConflictException,
  AwsNotFoundException,
} from '../common/aws-errors';
import { apiScope, commitRemovingMappings } from '../common/locking';
import { Clock } from '../common/clock';
import { protocolOf, requireApi, requireRestApi } from '../common/lookups';
import { type Page, paginate } from '../common/pagination';
import type { PatchOperation } from '../common/patch-operations';
import { ControlEvents } from '../events/control-events.service';
import { newRestApi, withDefinition } from './rest-api.factory';
import { applyMethodPatch } from './method-patch';
import { applyRestApiPatch } from './rest-api-patch';
import { methodShape, resourceShape, restApiShape } from './rest-api.shapes';

export interface ImportParams extends ImportOptions {
  endpointTypes?: EndpointType[];
}

export interface PutParams extends ImportOptions {
  mode: 'merge' | 'overwrite';
}

type Shape = Record<string, unknown>;

@Injectable()
export class RestApisService {
  private readonly logger = new Logger(RestApisService.name);

  constructor(
    private readonly store: DefinitionStore,
    private readonly clock: Clock,
    private readonly events: ControlEvents,
  ) {}

  /** ImportRestApi: the whole document is imported and checked before anything is written. */
  async importRestApi(body: Buffer, params: ImportParams): Promise<Shape> {
    const { definition, warnings } = await this.importDefinition(body, params);
    const name = titleOf(definition);
    const id = await this.unusedId();
    const api = await this.store.withLock(apiScope(id), async () => {
      // Checked again under the lock: another writer may have taken this random id meanwhile.
      if (await this.store.getRestApi(id)) {
        throw new AwsConflictException(`REST API id taken: ${id}`);
      }
      const fresh = newRestApi({
        id,
        name,
        definition,
        createdDate: this.clock.nowSeconds(),
        endpointTypes: params.endpointTypes,
      });
      await this.store.putRestApi(fresh);
      return fresh;
    });
    this.logger.log(
      {
        restApiId: api.id,
        name: api.name,
        resources: definition.resources.length,
        warnings: warnings.length,
      },
      'REST API imported',
    );
    return restApiShape(api, warnings);
  }

  /** PutRestApi: stages keep serving their deployments until the next CreateDeployment. */
  async putRestApi(id: string, body: Buffer, params: PutParams): Promise<Shape> {
    await requireRestApi(this.store, id);
    // Parsed before locking; merged into the API as it is once the lock is held.
    const { definition: incoming, warnings } = await this.importDefinition(body, params);
    const api = await this.store.withLock(apiScope(id), async () => {
      const existing = await requireRestApi(this.store, id);
      const next =
        params.mode === 'overwrite'
          ? withDefinition(existing, incoming, incoming.title || existing.name)
          : withDefinition(existing, mergeDefinitions(existing.definition, incoming));
      await this.store.putRestApi(next);
      return next;
    });
    this.logger.log(
      { restApiId: id, mode: params.mode, warnings: warnings.length },
      'REST API updated',
    );
    return restApiShape(api, warnings);
  }

  /**
   * UpdateRestApi: name, description, resource policy, API key source, execute-api endpoint,
   * compression and binary media types. As on AWS, stages serve the change from the next
   * CreateDeployment.
   */
  async updateRestApi(id: string, operations: PatchOperation[]): Promise<Shape> {
    const api = await this.store.withLock(apiScope(id), async () => {
      const next = applyRestApiPatch(await requireRestApi(this.store, id), operations);
      await this.store.putRestApi(next);
      return next;
    });
    this.logger.log(
      { restApiId: id, paths: operations.map((o) => `${o.op} ${o.path}`) },
      'REST API updated',
    );
    return restApiShape(api);
  }

  async getRestApis(query: { limit?: string; position?: string }): Promise<Page<Shape>> {
    const apis = (await this.store.listRestApis()).filter((a) => protocolOf(a) === 'REST');
    const page = paginate(apis, query);
    return { ...page, item: page.item.map((api) => restApiShape(api)) };
  }

  async getRestApi(id: string): Promise<Shape> {
    return restApiShape(await requireRestApi(this.store, id));
  }

  /**
   * Deletes the API, its deployments and stages, and the base path mappings that point at it.
   * DeleteApi (v2) deletes a WebSocket API through here too.
   */
  async deleteRestApi(id: string, protocol: ProtocolType = 'REST'): Promise<void> {
    const { stages, changedDomains } = await this.store.withLock(apiScope(id), async () => {
      await requireApi(this.store, id, protocol);
      const list = await this.store.listStages(id);
      const domains = await commitRemovingMappings(this.store, { deletedRestApis: [id] }, id);
      return { stages: list, changedDomains: domains };
    });
    this.logger.log(
      { restApiId: id, stages: stages.length, domains: changedDomains.length },
      protocol === 'REST' ? 'REST API deleted' : 'WebSocket API deleted',
    );
    await this.events.publish({
      stages: stages.map((s) => ({ restApiId: id, stageName: s.stageName, change: 'deleted' })),
      domains: changedDomains.map((d) => ({ domainName: d.domainName, change: 'updated' })),
    });
  }

  async getResources(
    id: string,
    query: { limit?: string; position?: string; embedMethods: boolean },
  ): Promise<Page<Shape>> {
    const api = await requireRestApi(this.store, id);
    const page = paginate(api.definition.resources, query);
    return { ...page, item: page.item.map((r) => resourceShape(api, r, query.embedMethods)) };
  }

  async getResource(id: string, resourceId: string, embedMethods: boolean): Promise<Shape> {
    const api = await requireRestApi(this.store, id);
    return resourceShape(api, requireResource(api, resourceId), embedMethods);
  }

  async getMethod(id: string, resourceId: string, httpMethod: string): Promise<Shape> {
    const api = await requireRestApi(this.store, id);
    return methodShape(api, requireMethod(requireResource(api, resourceId), httpMethod)[1]);
  }

  /**
   * UpdateMethod: authorization (type, authorizer, scopes), API key requirement and operation
   * name, all operations or none, under the API's lock. Stages serve the change from the next
   * CreateDeployment, as on AWS.
   */
  async updateMethod(
    id: string,
    resourceId: string,
    httpMethod: string,
    operations: PatchOperation[],
  ): Promise<Shape> {
    const { api, method } = await this.store.withLock(apiScope(id), async () => {
      const current = await requireRestApi(this.store, id);
      const resource = requireResource(current, resourceId);
      const [key, existing] = requireMethod(resource, httpMethod);
      const updated = applyMethodPatch(id, current.definition, existing, operations);
      const definition: ApiDefinition = {
        ...current.definition,
        resources: current.definition.resources.map((r) =>
          r.id === resource.id ? { ...r, methods: { ...r.methods, [key]: updated } } : r,
        ),
      };
      const next = withDefinition(current, definition);
      await this.store.putRestApi(next);
      return { api: next, method: updated };
    });
    this.logger.log(
      {
        restApiId: id,
        resourceId,
        httpMethod: method.httpMethod,
        authorizationType: method.authorizationType,
        authorizer: method.authorizerName,
        paths: operations.map((o) => `${o.op} ${o.path}`),
      },
      'Method updated',
    );
    return methodShape(api, method);
  }

  private async importDefinition(
    body: Buffer,
    opts: ImportOptions,
  ): Promise<{ definition: ApiDefinition; warnings: string[] }> {
    const result = await importOpenApi(body, {
      basepath: opts.basepath,
      failOnWarnings: opts.failOnWarnings,
    });
    if (result.warnings.length > 0) {
      this.logger.warn({ warnings: result.warnings }, 'OpenAPI import warnings');
    }
    return result;
  }

  private async unusedId(): Promise<string> {
    for (;;) {
      const id = generateId();
      if (!(await this.store.getRestApi(id))) return id;
    }
  }
}

function requireResource(api: RestApi, resourceId: string): Resource {
  const resource = api.definition.resources.find((r) => r.id === resourceId);
  if (!resource) throw new AwsNotFoundException('Invalid Resource identifier specified');
  return resource;
}

/** AWS's method keys are upper case (GET, ANY); a key the resource does not have is a 404. */
function requireMethod(resource: Resource, httpMethod: string): [MethodKey, Method] {
  const key = httpMethod.toUpperCase();
  const method =
    key === 'ANY' || (HTTP_METHODS as readonly string[]).includes(key)
      ? resource.methods[key as MethodKey]
      : undefined;
  if (!method) throw new AwsNotFoundException('Invalid Method identifier specified');
  return [key as MethodKey, method];
}

function titleOf(definition: ApiDefinition): string {
  if (!definition.title.trim()) {
    throw new AwsBadRequestException('The API definition has no title (info.title is required)');
  }
  return definition.title;
}

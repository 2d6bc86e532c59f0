import { Injectable, Logger } from '@nestjs/common';
import {
  type ApiDefinition,
  DefinitionStore,
  readFunctionAuthorizer,
  readJwtAuthorizer,
} from '@portico/definitions';
import {
  AwsBadRequestException,
  AwsConflictException,
  AwsNotFoundException,
} from '../common/aws-errors';
import { apiScope } from '../common/locking';
import { requireRestApi } from '../common/lookups';
import { type Page, paginate } from '../common/pagination';
import type { PatchOperation } from '../common/patch-operations';
import { withDefinition } from '../restapis/rest-api.factory';
import {
  type AuthorizerShape,
  authorizerId,
  authorizerSchemes,
  authorizerShape,
  type NewAuthorizer,
} from './authorizer.shapes';

/** The members UpdateAuthorizer replaces (`replace /name` while no method uses it). */
const REPLACEABLE: Record<string, keyof NewAuthorizer> = {
  '/name': 'name',
  '/type': 'type',
  '/authType': 'authType',
  '/authorizerUri': 'authorizerUri',
  '/identitySource': 'identitySource',
  '/identityValidationExpression': 'identityValidationExpression',
  '/authorizerResultTtlInSeconds': 'authorizerResultTtlInSeconds',
};

/**
 * API Gateway's authorizer operations on a REST API. An authorizer is a security scheme with
 * `x-amazon-apigateway-authorizer` in the API's definition (what import reads and export
 * writes); methods name it in `security`. Changes apply to the API and reach stages with the
 * next deployment, as on AWS.
 */
@Injectable()
export class AuthorizersService {
  private readonly logger = new Logger(AuthorizersService.name);

  constructor(private readonly store: DefinitionStore) {}

  async list(
    apiId: string,
    query: { limit?: string; position?: string },
  ): Promise<Page<AuthorizerShape>> {
    const api = await requireRestApi(this.store, apiId);
    return paginate(
      authorizerSchemes(api.definition).map(([name, scheme]) =>
        authorizerShape(apiId, name, scheme),
      ),
      query,
    );
  }

  async get(apiId: string, id: string): Promise<AuthorizerShape> {
    const api = await requireRestApi(this.store, apiId);
    const [name, scheme] = named(api.definition, apiId, id);
    return authorizerShape(apiId, name, scheme);
  }

  async create(apiId: string, req: NewAuthorizer): Promise<AuthorizerShape> {
    const scheme = schemeOf(req);
    await this.change(apiId, (definition) => {
      if (definition.securitySchemes?.[req.name] !== undefined) {
        throw new AwsConflictException(`Authorizer name already exists: ${req.name}`);
      }
      return {
        ...definition,
        securitySchemes: { ...definition.securitySchemes, [req.name]: scheme },
      };
    });
    this.logger.log({ restApiId: apiId, authorizer: req.name }, 'Authorizer created');
    return authorizerShape(apiId, req.name, scheme);
  }

  async update(apiId: string, id: string, operations: PatchOperation[]): Promise<AuthorizerShape> {
    let result: AuthorizerShape | undefined;
    await this.change(apiId, (definition) => {
      const [name, scheme] = named(definition, apiId, id);
      const fields: NewAuthorizer = fieldsOf(apiId, name, scheme);
      for (const { op, path, value } of operations) {
        const field = REPLACEABLE[path ?? ''];
        if (op !== 'replace' || !field) {
          throw new AwsBadRequestException(
            `Invalid patch path '${path}' specified for op '${op}'. Must be one of: [replace ${Object.keys(REPLACEABLE).join(', replace ')}]`,
          );
        }
        Object.assign(fields, { [field]: patchValue(field, path ?? '', value) });
      }
      const next = fields;
      if (next.name !== name) {
        const user = methodUsing(definition, name);
        if (user) {
          throw new AwsBadRequestException(
            `Cannot rename authorizer '${name}', it is used by method: ${user}`,
          );
        }
        if (definition.securitySchemes?.[next.name] !== undefined) {
          throw new AwsConflictException(`Authorizer name already exists: ${next.name}`);
        }
      }
      const schemes = { ...definition.securitySchemes };
      delete schemes[name];
      schemes[next.name] = schemeOf(next);
      result = authorizerShape(apiId, next.name, schemes[next.name] as Record<string, unknown>);
      return { ...definition, securitySchemes: schemes };
    });
    return result!;
  }

  async delete(apiId: string, id: string): Promise<void> {
    await this.change(apiId, (definition) => {
      const [name] = named(definition, apiId, id);
      const user = methodUsing(definition, name);
      if (user) {
        throw new AwsBadRequestException(
          `Cannot delete authorizer '${name}', is referenced in method: ${user}`,
        );
      }
      const schemes = { ...definition.securitySchemes };
      delete schemes[name];
      return { ...definition, securitySchemes: schemes };
    });
  }

  /** Applies `edit` to the API's definition under its lock. */
  private async change(
    apiId: string,
    edit: (definition: ApiDefinition) => ApiDefinition,
  ): Promise<void> {
    await this.store.withLock(apiScope(apiId), async () => {
      const api = await requireRestApi(this.store, apiId);
      await this.store.putRestApi(withDefinition(api, edit(api.definition)));
    });
  }
}

/** A patch operation's value for the member it replaces. */
function patchValue(field: keyof NewAuthorizer, path: string, value: string | undefined): unknown {
  if (field === 'authorizerResultTtlInSeconds') {
    if (value === undefined || !/^\d+$/.test(value)) {
      throw new AwsBadRequestException(`Invalid value for ${path}: ${value}`);
    }
    return Number(value);
  }
  return field === 'type' ? String(value ?? '').toUpperCase() : value;
}

function named(
  definition: ApiDefinition,
  apiId: string,
  id: string,
): [string, Record<string, unknown>] {
  const found = authorizerSchemes(definition).find(([name]) => authorizerId(apiId, name) === id);
  if (!found) throw new AwsNotFoundException(`Invalid authorizer identifier specified: ${id}`);
  return found;
}

/** `GET /pets` for the first method that names the authorizer, else undefined. */
function methodUsing(definition: ApiDefinition, name: string): string | undefined {
  for (const resource of definition.resources) {
    for (const [key, method] of Object.entries(resource.methods)) {
      if (method?.authorizerName === name) return `${key} ${resource.path}`;
    }
  }
  return undefined;
}

function fieldsOf(apiId: string, name: string, scheme: Record<string, unknown>): NewAuthorizer {
  const { id: _id, ...fields } = authorizerShape(apiId, name, scheme);
  return fields;
}

/** The security scheme an authorizer is stored as; a function authorizer that cannot run is refused. */
function schemeOf(req: NewAuthorizer): Record<string, unknown> {
  const type = String(req.type ?? '').toUpperCase();
  if (!['TOKEN', 'REQUEST', 'COGNITO_USER_POOLS'].includes(type)) {
    throw new AwsBadRequestException(
      `Invalid authorizer type: ${req.type} (TOKEN, REQUEST or COGNITO_USER_POOLS)`,
    );
  }
  const header = /^method\.request\.header\.([^,\s]+)$/.exec(req.identitySource ?? '')?.[1];
  const scheme: Record<string, unknown> = {
    type: 'apiKey',
    name: header ?? 'Unused',
    in: 'header',
    'x-amazon-apigateway-authtype':
      req.authType ?? (type === 'COGNITO_USER_POOLS' ? 'cognito_user_pools' : 'custom'),
    'x-amazon-apigateway-authorizer': {
      type: type.toLowerCase(),
      ...(req.authorizerUri === undefined ? {} : { authorizerUri: req.authorizerUri }),
      ...(req.identitySource === undefined ? {} : { identitySource: req.identitySource }),
      ...(req.identityValidationExpression === undefined
        ? {}
        : { identityValidationExpression: req.identityValidationExpression }),
      ...(req.authorizerResultTtlInSeconds === undefined
        ? {}
        : { authorizerResultTtlInSeconds: req.authorizerResultTtlInSeconds }),
      ...(req.providerARNs === undefined ? {} : { providerARNs: req.providerARNs }),
    },
  };
  if (type === 'COGNITO_USER_POOLS' && !req.providerARNs?.length) {
    throw new AwsBadRequestException('A COGNITO_USER_POOLS authorizer needs providerARNs');
  }
  const read =
    type === 'COGNITO_USER_POOLS'
      ? readJwtAuthorizer(req.name, scheme)
      : readFunctionAuthorizer(req.name, scheme);
  if (typeof read === 'string') throw new AwsBadRequestException(`Invalid authorizer: ${read}`);
  return scheme;
}

import type { Integration, Method, Resource, RestApi } from '@portico/definitions';
import { methodAuthorizerId } from './method-patch';
import { policyShape } from './resource-policy';

/**
 * The JSON that Amazon API Gateway answers for RestApi, Resource and Method, field for field
 * as `@aws-sdk/client-api-gateway` parses it (camelCase, epoch-second timestamps).
 */
export function restApiShape(api: RestApi, warnings: string[] = []): Record<string, unknown> {
  return {
    id: api.id,
    name: api.name,
    description: api.description,
    createdDate: api.createdDate,
    version: api.version,
    warnings: warnings.length > 0 ? warnings : undefined,
    binaryMediaTypes: api.binaryMediaTypes,
    minimumCompressionSize: api.definition.minimumCompressionSize,
    apiKeySource: api.apiKeySource,
    endpointConfiguration: api.endpointConfiguration,
    tags: api.tags,
    disableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
    policy: policyShape(api.definition),
    rootResourceId: api.definition.resources.find((r) => r.path === '/')?.id,
  };
}

/** Without `embed=methods` AWS lists each method as an empty object. */
export function resourceShape(
  api: RestApi,
  resource: Resource,
  embedMethods: boolean,
): Record<string, unknown> {
  const methods = Object.entries(resource.methods).filter(
    (entry): entry is [string, Method] => entry[1] !== undefined,
  );
  return {
    id: resource.id,
    parentId: resource.parentId,
    pathPart: resource.pathPart === '' ? undefined : resource.pathPart,
    path: resource.path,
    resourceMethods:
      methods.length === 0
        ? undefined
        : Object.fromEntries(
            methods.map(([key, m]) => [key, embedMethods ? methodShape(api, m) : {}]),
          ),
  };
}

/** `authorizerId` is the id of the authorizer the method names (its security scheme). */
export function methodShape(api: RestApi, method: Method): Record<string, unknown> {
  return {
    httpMethod: method.httpMethod,
    authorizationType: method.authorizationType,
    authorizerId: methodAuthorizerId(api.id, api.definition, method),
    authorizationScopes: method.authorizationScopes,
    apiKeyRequired: method.apiKeyRequired,
    requestValidatorId: method.requestValidator,
    operationName: method.operationId,
    requestParameters: nonEmpty(method.requestParameters),
    methodResponses: nonEmpty(
      Object.fromEntries(
        method.methodResponses.map((r) => [
          r.statusCode,
          {
            statusCode: r.statusCode,
            responseParameters: nonEmpty(r.responseParameters),
            responseModels: nonEmpty(r.responseModels),
          },
        ]),
      ),
    ),
    methodIntegration: integrationShape(method.integration),
  };
}

function integrationShape(integration: Integration): Record<string, unknown> {
  // AWS keys integration responses by status code; the first pattern for a status wins.
  const responses: Record<string, Record<string, unknown>> = {};
  for (const r of integration.responses) {
    responses[r.statusCode] ??= {
      statusCode: r.statusCode,
      selectionPattern: r.selectionPattern === 'default' ? undefined : r.selectionPattern,
      responseParameters: nonEmpty(r.responseParameters),
      responseTemplates: nonEmpty(r.responseTemplates),
      contentHandling: r.contentHandling,
    };
  }
  return {
    type: integration.type,
    httpMethod: integration.httpMethod,
    uri: integration.uri,
    connectionType: integration.type === 'MOCK' ? undefined : 'INTERNET',
    requestParameters: nonEmpty(integration.requestParameters),
    requestTemplates: nonEmpty(integration.requestTemplates),
    passthroughBehavior: integration.passthroughBehavior,
    contentHandling: integration.contentHandling,
    timeoutInMillis: integration.timeoutInMillis,
    cacheNamespace: integration.cacheNamespace,
    cacheKeyParameters: integration.cacheKeyParameters,
    integrationResponses: nonEmpty(responses),
  };
}

function nonEmpty<T extends object>(value: T): T | undefined {
  return Object.keys(value).length > 0 ? value : undefined;
}

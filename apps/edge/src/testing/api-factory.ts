import {
  type ActiveStage,
  type ApiDefinition,
  type DefinitionStore,
  type DomainName,
  type GatewayResponse,
  type GatewayResponseType,
  type Integration,
  type Method,
  type MethodKey,
  type Resource,
  resourceIdFor,
} from '@portico/definitions';

/** Small builders for definitions in specs; only what the edge reads is filled in. */

export function mockIntegration(
  statusCode = 200,
  responseTemplate = '{"ok":true}',
  responseParameters: Record<string, string> = {},
): Integration {
  return {
    type: 'MOCK',
    timeoutInMillis: 29_000,
    requestParameters: {},
    requestTemplates: { 'application/json': `{"statusCode": ${statusCode}}` },
    passthroughBehavior: 'WHEN_NO_MATCH',
    cacheKeyParameters: [],
    responses: [
      {
        selectionPattern: 'default',
        statusCode: String(statusCode),
        responseParameters,
        responseTemplates: { 'application/json': responseTemplate },
      },
    ],
  };
}

export function httpProxyIntegration(
  uri: string,
  httpMethod = 'ANY',
  timeoutInMillis = 29_000,
): Integration {
  return {
    type: 'HTTP_PROXY',
    httpMethod,
    uri,
    timeoutInMillis,
    requestParameters: uri.includes('{proxy}')
      ? { 'integration.request.path.proxy': 'method.request.path.proxy' }
      : {},
    requestTemplates: {},
    passthroughBehavior: 'WHEN_NO_MATCH',
    cacheKeyParameters: [],
    responses: [],
  };
}

export function method(
  httpMethod: MethodKey,
  integration: Integration = mockIntegration(),
): Method {
  return {
    httpMethod,
    authorizationType: 'NONE',
    apiKeyRequired: false,
    requestParameters: {},
    methodResponses: [],
    integration,
    raw: {},
  };
}

/** `resource('/pets/{id}', ['GET'])` or with explicit methods. */
export function resource(
  path: string,
  methods: MethodKey[] | Partial<Record<MethodKey, Method>>,
): Resource {
  const table: Partial<Record<MethodKey, Method>> = Array.isArray(methods)
    ? Object.fromEntries(methods.map((m) => [m, method(m)]))
    : methods;
  const parts = path.split('/');
  return {
    id: resourceIdFor(path),
    parentId: path === '/' ? undefined : resourceIdFor(parts.slice(0, -1).join('/') || '/'),
    pathPart: parts[parts.length - 1] ?? '',
    path,
    methods: table,
  };
}

export function definition(
  resources: Resource[],
  gatewayResponses: Partial<Record<GatewayResponseType, GatewayResponse>> = {},
): ApiDefinition {
  const all = resources.some((r) => r.path === '/') ? resources : [resource('/', {}), ...resources];
  return {
    title: 'Spec API',
    binaryMediaTypes: [],
    apiKeySource: 'HEADER',
    gatewayResponses,
    resources: [...all].sort((a, b) => a.path.localeCompare(b.path)),
    models: {},
    securitySchemes: {},
    extensions: {},
  };
}

export interface StageSpec {
  apiId: string;
  stageName: string;
  resources: Resource[];
  gatewayResponses?: Partial<Record<GatewayResponseType, GatewayResponse>>;
  variables?: Record<string, string>;
  deploymentId?: string;
  disableExecuteApiEndpoint?: boolean;
}

export function activeStage(spec: StageSpec): ActiveStage {
  const now = Math.floor(Date.now() / 1000);
  const deploymentId = spec.deploymentId ?? `d${Math.random().toString(36).slice(2, 10)}`;
  return {
    stage: {
      restApiId: spec.apiId,
      stageName: spec.stageName,
      deploymentId,
      variables: spec.variables ?? {},
      methodSettings: {},
      cacheClusterEnabled: false,
      tracingEnabled: false,
      createdDate: now,
      lastUpdatedDate: now,
      tags: {},
    },
    deployment: {
      id: deploymentId,
      restApiId: spec.apiId,
      createdDate: now,
      definition: definition(spec.resources, spec.gatewayResponses),
    },
    api: {
      id: spec.apiId,
      name: `API ${spec.apiId}`,
      binaryMediaTypes: [],
      apiKeySource: 'HEADER',
      disableExecuteApiEndpoint: spec.disableExecuteApiEndpoint ?? false,
    },
  };
}

/** Writes an API, a deployment and a stage the way control does. */
export async function putStage(store: DefinitionStore, spec: StageSpec): Promise<ActiveStage> {
  const active = activeStage(spec);
  const existing = await store.getRestApi(spec.apiId);
  await store.putRestApi({
    id: spec.apiId,
    name: active.api.name,
    createdDate: existing?.createdDate ?? active.deployment.createdDate,
    binaryMediaTypes: [],
    apiKeySource: 'HEADER',
    endpointConfiguration: { types: ['REGIONAL'] },
    disableExecuteApiEndpoint: active.api.disableExecuteApiEndpoint,
    tags: {},
    definition: active.deployment.definition,
  });
  await store.putDeployment(active.deployment, [active.stage]);
  return active;
}

export function domainName(
  name: string,
  mappings: { basePath: string; restApiId: string; stage: string }[],
): DomainName {
  return {
    domainName: name,
    endpointConfiguration: { types: ['REGIONAL'] },
    securityPolicy: 'TLS_1_2',
    domainNameStatus: 'AVAILABLE',
    createdDate: Math.floor(Date.now() / 1000),
    tags: {},
    basePathMappings: mappings,
  };
}

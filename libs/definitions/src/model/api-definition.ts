import type { ProtocolType, WebSocketDefinition } from './websocket';

/**
 * The API definition model: what an imported OpenAPI document becomes, what a deployment
 * snapshots and what an edge compiles into a router. Shapes and names follow Amazon API
 * Gateway's REST API resources (RestApi, Resource, Method, Integration, Stage, …).
 */

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
/** `ANY` matches every method that a resource does not define on its own. */
export type MethodKey = HttpMethod | 'ANY';

export const INTEGRATION_TYPES = ['HTTP_PROXY', 'HTTP', 'AWS_PROXY', 'MOCK'] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];

export type PassthroughBehavior = 'WHEN_NO_MATCH' | 'WHEN_NO_TEMPLATES' | 'NEVER';
export type ContentHandling = 'CONVERT_TO_BINARY' | 'CONVERT_TO_TEXT';

export const DEFAULT_TIMEOUT_MS = 29_000;
export const MIN_TIMEOUT_MS = 50;
export const MAX_TIMEOUT_MS = 29_000;

export interface IntegrationResponse {
  /** The key of `x-amazon-apigateway-integration.responses`: a regex, or `default`. */
  selectionPattern: string;
  statusCode: string;
  /** `method.response.header.X` → `integration.response.header.Y` | `'literal'` | … */
  responseParameters: Record<string, string>;
  /** content type → VTL template */
  responseTemplates: Record<string, string>;
  contentHandling?: ContentHandling;
}

export interface Integration {
  type: IntegrationType;
  /** Method used to call the backend (HTTP, HTTP_PROXY; POST for AWS_PROXY). */
  httpMethod?: string;
  /** Backend URL (may hold `${stageVariables.x}` and `{param}` placeholders) or Lambda ARN. */
  uri?: string;
  timeoutInMillis: number;
  /** `integration.request.{path|querystring|header}.X` → `method.request.…` | `'literal'` | `stageVariables.x` */
  requestParameters: Record<string, string>;
  /** content type → VTL template */
  requestTemplates: Record<string, string>;
  passthroughBehavior: PassthroughBehavior;
  contentHandling?: ContentHandling;
  cacheKeyParameters: string[];
  cacheNamespace?: string;
  /** In import order; `default` is the one whose selectionPattern is `default`. */
  responses: IntegrationResponse[];
}

export interface MethodResponse {
  statusCode: string;
  /** `method.response.header.X` → required */
  responseParameters: Record<string, boolean>;
  responseModels: Record<string, string>;
}

export interface Method {
  httpMethod: MethodKey;
  operationId?: string;
  summary?: string;
  authorizationType: string;
  authorizerName?: string;
  /** OAuth scopes a COGNITO_USER_POOLS authorizer requires (the security requirement's list). */
  authorizationScopes?: string[];
  apiKeyRequired: boolean;
  /** `method.request.{path|querystring|header}.X` → required */
  requestParameters: Record<string, boolean>;
  requestValidator?: string;
  methodResponses: MethodResponse[];
  integration: Integration;
  /** The OpenAPI operation as imported, kept so export can round-trip what Portico does not model. */
  raw: Record<string, unknown>;
}

export interface Resource {
  /** Stable id derived from the path, so merges and redeploys keep ids. */
  id: string;
  parentId?: string;
  /** The last segment (`{id}`, `{proxy+}`, `pets`); empty for the root. */
  pathPart: string;
  /** Full path starting with `/`. */
  path: string;
  methods: Partial<Record<MethodKey, Method>>;
}

export const GATEWAY_RESPONSE_TYPES = [
  'DEFAULT_4XX',
  'DEFAULT_5XX',
  'ACCESS_DENIED',
  'API_CONFIGURATION_ERROR',
  'AUTHORIZER_CONFIGURATION_ERROR',
  'AUTHORIZER_FAILURE',
  'BAD_REQUEST_PARAMETERS',
  'BAD_REQUEST_BODY',
  'EXPIRED_TOKEN',
  'INTEGRATION_FAILURE',
  'INTEGRATION_TIMEOUT',
  'INVALID_API_KEY',
  'INVALID_SIGNATURE',
  'MISSING_AUTHENTICATION_TOKEN',
  'QUOTA_EXCEEDED',
  'REQUEST_TOO_LARGE',
  'RESOURCE_NOT_FOUND',
  'THROTTLED',
  'UNAUTHORIZED',
  'UNSUPPORTED_MEDIA_TYPE',
  'WAF_FILTERED',
] as const;
export type GatewayResponseType = (typeof GATEWAY_RESPONSE_TYPES)[number];

export interface GatewayResponse {
  responseType: GatewayResponseType;
  statusCode?: string;
  /** `gatewayresponse.header.X` → `'literal'` | `method.request.header.Y` | `context.x` | `stageVariables.x` */
  responseParameters: Record<string, string>;
  /** content type → template (`$context.error.messageString` and friends) */
  responseTemplates: Record<string, string>;
}

export type ApiKeySource = 'HEADER' | 'AUTHORIZER';

export interface ApiDefinition {
  /** `info.title` */
  title: string;
  /** `info.version` */
  version?: string;
  description?: string;
  binaryMediaTypes: string[];
  apiKeySource: ApiKeySource;
  minimumCompressionSize?: number;
  gatewayResponses: Partial<Record<GatewayResponseType, GatewayResponse>>;
  /** Sorted by path; always contains the root `/`. */
  resources: Resource[];
  /** Schemas (OpenAPI `components.schemas` / Swagger `definitions`), kept as imported. */
  models: Record<string, unknown>;
  /** Security schemes as imported (authorizers arrive with the auth issue). */
  securitySchemes: Record<string, unknown>;
  /** Top-level `x-*` extensions Portico keeps but does not act on, for export. */
  extensions: Record<string, unknown>;
  /** Present exactly when the API's protocolType is WEBSOCKET (then `resources` is just `/`). */
  webSocket?: WebSocketDefinition;
}

export type EndpointType = 'EDGE' | 'REGIONAL' | 'PRIVATE';

export interface RestApi {
  id: string;
  name: string;
  /** Absent on APIs stored before WebSocket APIs existed: REST. */
  protocolType?: ProtocolType;
  description?: string;
  /** Epoch seconds, as the AWS SDK expects timestamps. */
  createdDate: number;
  version?: string;
  binaryMediaTypes: string[];
  apiKeySource: ApiKeySource;
  endpointConfiguration: { types: EndpointType[] };
  disableExecuteApiEndpoint: boolean;
  tags: Record<string, string>;
  definition: ApiDefinition;
}

/** An immutable snapshot of an API's definition at the time it was deployed. */
export interface Deployment {
  id: string;
  restApiId: string;
  description?: string;
  createdDate: number;
  definition: ApiDefinition;
}

export interface MethodSetting {
  metricsEnabled: boolean;
  loggingLevel: 'OFF' | 'ERROR' | 'INFO';
  dataTraceEnabled: boolean;
  throttlingBurstLimit: number;
  throttlingRateLimit: number;
  cachingEnabled: boolean;
  cacheTtlInSeconds: number;
  cacheDataEncrypted: boolean;
  requireAuthorizationForCacheControl: boolean;
  unauthorizedCacheControlHeaderStrategy:
    'FAIL_WITH_403' | 'SUCCEED_WITH_RESPONSE_HEADER' | 'SUCCEED_WITHOUT_RESPONSE_HEADER';
}

/**
 * A WebSocket (v2) stage's settings for one route, or for every route without its own (AWS's
 * v2 `RouteSettings`). Every member is optional: a route's throttling applies when both rate
 * and burst are set.
 */
export interface RouteSettings {
  dataTraceEnabled?: boolean;
  detailedMetricsEnabled?: boolean;
  loggingLevel?: 'OFF' | 'ERROR' | 'INFO';
  /** Requests (messages) a route may take at once: a whole number ≥ 0. */
  throttlingBurstLimit?: number;
  /** Steady requests (messages) per second: a number ≥ 0. */
  throttlingRateLimit?: number;
}

export interface Stage {
  restApiId: string;
  stageName: string;
  /**
   * Absent on a stage created without one (v2 CreateStage allows it): such a stage exists but
   * serves nothing until UpdateStage or CreateDeployment points it at a deployment.
   */
  deploymentId?: string;
  description?: string;
  variables: Record<string, string>;
  /**
   * Keyed as AWS keys them: the UpdateStage patch path as written, `~1pets~1{id}/GET` or
   * `pets/{id}/GET`, `*\/*` for all methods. `methodSettingTarget` reads a key.
   */
  methodSettings: Record<string, MethodSetting>;
  cacheClusterEnabled: boolean;
  cacheClusterSize?: string;
  tracingEnabled: boolean;
  createdDate: number;
  lastUpdatedDate: number;
  tags: Record<string, string>;
  /** WebSocket stages: the settings of every route without its own in `routeSettings`. */
  defaultRouteSettings?: RouteSettings;
  /** WebSocket stages: settings by route key (each key a route of the API). */
  routeSettings?: Record<string, RouteSettings>;
}

export interface BasePathMapping {
  /** `(none)` maps the domain root, as AWS shows it. */
  basePath: string;
  restApiId: string;
  stage: string;
}

export interface DomainName {
  domainName: string;
  certificateName?: string;
  certificateArn?: string;
  regionalCertificateArn?: string;
  endpointConfiguration: { types: EndpointType[] };
  securityPolicy: 'TLS_1_0' | 'TLS_1_2';
  domainNameStatus: 'AVAILABLE';
  createdDate: number;
  tags: Record<string, string>;
  basePathMappings: BasePathMapping[];
}

/** API-level settings that apply to the data plane. */
export type ApiSettings = Pick<
  RestApi,
  'id' | 'name' | 'binaryMediaTypes' | 'apiKeySource' | 'disableExecuteApiEndpoint' | 'protocolType'
>;

/** A served stage before its deployment is read: enough to tell whether it changed. */
export interface StageHead {
  stage: Stage;
  api: ApiSettings;
}

/** What an edge needs to serve one stage: the stage and the deployment it points at. */
export interface ActiveStage extends StageHead {
  deployment: Deployment;
}

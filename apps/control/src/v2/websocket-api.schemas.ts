/**
 * JSON Schemas of the v2 request bodies, as `@aws-sdk/client-apigatewayv2` writes them
 * (lowerCamelCase members). Fields Portico does not act on are accepted and ignored, as the
 * REST side does; the ones that would change behaviour are checked by the service.
 */

import type { RouteSettings } from '@portico/definitions';

const stringMap = { type: 'object', additionalProperties: { type: 'string' } };

/** AWS's v2 RouteSettings; a member it does not have is refused (it would be a typo). */
const routeSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dataTraceEnabled: { type: 'boolean' },
    detailedMetricsEnabled: { type: 'boolean' },
    loggingLevel: { enum: ['OFF', 'ERROR', 'INFO'] },
    throttlingBurstLimit: { type: 'integer', minimum: 0 },
    throttlingRateLimit: { type: 'number', minimum: 0 },
  },
};

/**
 * An Update operation's body: the members its Create operation takes (checked the same way),
 * none of them required; `exclude` names those that cannot change (a stage's name, its tags).
 */
function updateSchemaOf(
  create: { properties: Record<string, unknown> },
  exclude: string[] = [],
): object {
  const properties = Object.fromEntries(
    Object.entries(create.properties).filter(([name]) => !exclude.includes(name)),
  );
  return { type: 'object', properties };
}

export interface CreateApiBody {
  name: string;
  protocolType: string;
  routeSelectionExpression?: string;
  description?: string;
  version?: string;
  disableExecuteApiEndpoint?: boolean;
  tags?: Record<string, string>;
}

export const createApiSchema = {
  type: 'object',
  required: ['name', 'protocolType'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128 },
    protocolType: { type: 'string' },
    routeSelectionExpression: { type: 'string' },
    description: { type: 'string', maxLength: 1024 },
    version: { type: 'string', maxLength: 64 },
    disableExecuteApiEndpoint: { type: 'boolean' },
    tags: stringMap,
  },
};

export interface UpdateApiBody {
  name?: string;
  description?: string;
  routeSelectionExpression?: string;
}

export const updateApiSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128 },
    description: { type: 'string', maxLength: 1024 },
    routeSelectionExpression: { type: 'string' },
  },
};

export interface CreateIntegrationBody {
  integrationType: string;
  integrationUri?: string;
  integrationMethod?: string;
  timeoutInMillis?: number;
  description?: string;
  requestParameters?: Record<string, string>;
  requestTemplates?: Record<string, string>;
  passthroughBehavior?: string;
  contentHandlingStrategy?: string;
}

export const createIntegrationSchema = {
  type: 'object',
  required: ['integrationType'],
  properties: {
    integrationType: { type: 'string' },
    integrationUri: { type: 'string', minLength: 1 },
    integrationMethod: { type: 'string', minLength: 1 },
    timeoutInMillis: { type: 'integer' },
    description: { type: 'string' },
    requestParameters: stringMap,
    requestTemplates: stringMap,
    passthroughBehavior: { type: 'string' },
    contentHandlingStrategy: { type: 'string' },
  },
};

export type UpdateIntegrationBody = Partial<CreateIntegrationBody>;

export const updateIntegrationSchema = updateSchemaOf(createIntegrationSchema);

export interface CreateRouteBody {
  routeKey: string;
  target?: string;
  routeResponseSelectionExpression?: string;
  authorizationType?: string;
  authorizerId?: string;
  apiKeyRequired?: boolean;
}

export const createRouteSchema = {
  type: 'object',
  required: ['routeKey'],
  properties: {
    routeKey: { type: 'string' },
    target: { type: 'string' },
    routeResponseSelectionExpression: { type: 'string' },
    authorizationType: { type: 'string' },
    authorizerId: { type: 'string', minLength: 1 },
    apiKeyRequired: { type: 'boolean' },
  },
};

/** WebSocket APIs take Lambda REQUEST authorizers (JWT ones are for HTTP APIs). */
export interface CreateAuthorizerBody {
  name: string;
  authorizerType: string;
  authorizerUri?: string;
  identitySource?: string[];
  authorizerResultTtlInSeconds?: number;
}

export const createAuthorizerSchema = {
  type: 'object',
  required: ['name', 'authorizerType'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128 },
    authorizerType: { type: 'string' },
    authorizerUri: { type: 'string', minLength: 1, maxLength: 2048 },
    identitySource: { type: 'array', items: { type: 'string', minLength: 1 } },
    authorizerResultTtlInSeconds: { type: 'integer' },
  },
};

export type UpdateAuthorizerBody = Partial<CreateAuthorizerBody>;

export const updateAuthorizerSchema = updateSchemaOf(createAuthorizerSchema);

export type UpdateRouteBody = Partial<CreateRouteBody>;

export const updateRouteSchema = updateSchemaOf(createRouteSchema);

export interface CreateRouteResponseBody {
  routeResponseKey: string;
}

export const createRouteResponseSchema = {
  type: 'object',
  required: ['routeResponseKey'],
  properties: { routeResponseKey: { type: 'string', minLength: 1, maxLength: 128 } },
};

export interface CreateStageBody {
  stageName: string;
  deploymentId?: string;
  description?: string;
  stageVariables?: Record<string, string>;
  tags?: Record<string, string>;
  defaultRouteSettings?: RouteSettings;
  /** By route key; each key must name a route of the API. */
  routeSettings?: Record<string, RouteSettings>;
}

export const createStageSchema = {
  type: 'object',
  required: ['stageName'],
  properties: {
    stageName: { type: 'string' },
    deploymentId: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    stageVariables: stringMap,
    tags: stringMap,
    defaultRouteSettings: routeSettingsSchema,
    routeSettings: { type: 'object', additionalProperties: routeSettingsSchema },
  },
};

/**
 * A stage variable set to "" is removed (as AWS, and as Terraform removes one); route settings
 * given replace the stored members (see `withRouteSettings`).
 */
export type UpdateStageBody = Pick<
  CreateStageBody,
  'deploymentId' | 'description' | 'stageVariables' | 'defaultRouteSettings' | 'routeSettings'
>;

export const updateStageSchema = updateSchemaOf(createStageSchema, ['stageName', 'tags']);

export interface CreateDeploymentBody {
  description?: string;
  stageName?: string;
}

export const createDeploymentSchema = {
  type: 'object',
  properties: { description: { type: 'string' }, stageName: { type: 'string' } },
};

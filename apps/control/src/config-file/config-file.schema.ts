import { BASE_PATH_PATTERN, DOMAIN_NAME_PATTERN } from '../domains/domain.rules';
import { STAGE_NAME_PATTERN, VARIABLE_NAME_PATTERN } from '../stages/stage.factory';
import { API_KEYS_SCHEMA, type ConfigFileApiKey } from './config-file.apikeys';
import { type ConfigFileCredential, CREDENTIALS_SCHEMA } from './config-file.credentials';
import {
  type ConfigFileUsagePlan,
  METHOD_THROTTLES_SCHEMA,
  THROTTLE_SCHEMA,
  USAGE_PLANS_SCHEMA,
} from './config-file.usage-plans';

/** The declarative config file as written (docs/config-file.md describes it). */
export interface ConfigFileDocument {
  restApis?: {
    id?: string;
    name?: string;
    definition: string;
    stages?: ConfigFileStage[];
  }[];
  webSocketApis?: {
    id?: string;
    name?: string;
    routeSelectionExpression?: string;
    allowedOrigins?: string[];
    maxConnectionsPerSecond?: number;
    /** Lambda REQUEST authorizers by name; `$connect` names one in `authorizer`. */
    authorizers?: Record<string, ConfigFileWebSocketAuthorizer>;
    routes?: Record<string, ConfigFileRoute>;
    stages?: ConfigFileStage[];
  }[];
  domainNames?: {
    domainName: string;
    basePathMappings?: { basePath?: string; restApi: string; stage: string }[];
  }[];
  /** Credentials for AWS_IAM methods (docs/iam-credentials.md). */
  credentials?: ConfigFileCredential[];
  /** API keys for methods with apiKeyRequired (docs/api-keys.md). */
  apiKeys?: ConfigFileApiKey[];
  /** Usage plans and the file's keys in them (docs/config-file.md). */
  usagePlans?: ConfigFileUsagePlan[];
}

export interface ConfigFileStage {
  name: string;
  description?: string;
  variables?: Record<string, string | number | boolean>;
  /** The stage's default method throttling (its `*\/*` method settings). */
  throttle?: { rateLimit?: number; burstLimit?: number };
  /** One method's throttling, keyed `{resourcePath}/{httpMethod}`. */
  methodThrottles?: Record<string, { rateLimit?: number; burstLimit?: number }>;
}

export interface ConfigFileRoute {
  integration: {
    type: 'AWS_PROXY' | 'HTTP_PROXY' | 'HTTP' | 'MOCK';
    uri?: string;
    method?: string;
    timeoutInMillis?: number;
    requestParameters?: Record<string, string>;
    requestTemplates?: Record<string, string>;
    responseTemplate?: string;
  };
  routeResponse?: boolean;
  /** `$connect` only: the name of the API's authorizer that decides the handshake. */
  authorizer?: string;
}

export interface ConfigFileWebSocketAuthorizer {
  /** The function (name, Lambda ARN or invocation URI). */
  uri: string;
  /** `route.request.header.X`, `route.request.querystring.X`, `stageVariables.X`, `context.X`. */
  identitySource?: string[];
  authorizerResultTtlInSeconds?: number;
}

export const REST_API_ID_PATTERN = '^[a-z0-9]{1,32}$';

const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } };

const stagesSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', pattern: STAGE_NAME_PATTERN },
      description: { type: 'string' },
      variables: {
        type: 'object',
        propertyNames: { pattern: VARIABLE_NAME_PATTERN },
        // YAML turns `port: 3000` into a number; a stage variable is its text.
        additionalProperties: { type: ['string', 'number', 'boolean'], maxLength: 512 },
      },
      throttle: THROTTLE_SCHEMA,
      methodThrottles: METHOD_THROTTLES_SCHEMA,
    },
  },
};

/** JSON Schema checked with ajv; unknown fields are errors so typos do not pass silently. */
export const configFileSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    restApis: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['definition'],
        properties: {
          id: { type: 'string', pattern: REST_API_ID_PATTERN },
          name: { type: 'string', minLength: 1, maxLength: 1024 },
          definition: { type: 'string', minLength: 1 },
          stages: stagesSchema,
        },
      },
    },
    webSocketApis: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: REST_API_ID_PATTERN },
          name: { type: 'string', minLength: 1, maxLength: 128 },
          routeSelectionExpression: { type: 'string', minLength: 1, maxLength: 256 },
          allowedOrigins: {
            type: 'array',
            // `scheme://host[:port]` as a browser sends it in Origin, or `*`.
            items: { type: 'string', pattern: '^(\\*|[A-Za-z][A-Za-z0-9+.-]*://[^/\\s]+)$' },
          },
          maxConnectionsPerSecond: { type: 'integer', minimum: 0 },
          authorizers: {
            type: 'object',
            propertyNames: { minLength: 1, maxLength: 128 },
            additionalProperties: {
              type: 'object',
              additionalProperties: false,
              required: ['uri'],
              properties: {
                uri: { type: 'string', minLength: 1 },
                identitySource: { type: 'array', items: { type: 'string', minLength: 1 } },
                authorizerResultTtlInSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
              },
            },
          },
          routes: {
            type: 'object',
            propertyNames: { minLength: 1, maxLength: 128 },
            additionalProperties: {
              type: 'object',
              additionalProperties: false,
              required: ['integration'],
              properties: {
                routeResponse: { type: 'boolean' },
                authorizer: { type: 'string', minLength: 1 },
                integration: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['type'],
                  properties: {
                    type: { enum: ['AWS_PROXY', 'HTTP_PROXY', 'HTTP', 'MOCK'] },
                    uri: { type: 'string', minLength: 1 },
                    method: { type: 'string', pattern: '^[A-Za-z]+$' },
                    timeoutInMillis: { type: 'integer', minimum: 50, maximum: 29000 },
                    requestParameters: STRING_MAP,
                    requestTemplates: STRING_MAP,
                    responseTemplate: { type: 'string' },
                  },
                },
              },
            },
          },
          stages: stagesSchema,
        },
      },
    },
    credentials: CREDENTIALS_SCHEMA,
    apiKeys: API_KEYS_SCHEMA,
    usagePlans: USAGE_PLANS_SCHEMA,
    domainNames: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['domainName'],
        properties: {
          domainName: { type: 'string', pattern: DOMAIN_NAME_PATTERN },
          basePathMappings: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['restApi', 'stage'],
              properties: {
                basePath: {
                  type: 'string',
                  anyOf: [{ const: '' }, { const: '(none)' }, { pattern: BASE_PATH_PATTERN }],
                },
                restApi: { type: 'string', minLength: 1 },
                stage: { type: 'string', pattern: STAGE_NAME_PATTERN },
              },
            },
          },
        },
      },
    },
  },
} as const;

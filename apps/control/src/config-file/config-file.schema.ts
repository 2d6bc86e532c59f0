import { BASE_PATH_PATTERN, DOMAIN_NAME_PATTERN } from '../domains/domain.rules';
import { STAGE_NAME_PATTERN, VARIABLE_NAME_PATTERN } from '../stages/stage.factory';

/** The declarative config file as written (docs/config-file.md describes it). */
export interface ConfigFileDocument {
  restApis?: {
    id?: string;
    name?: string;
    definition: string;
    stages?: {
      name: string;
      description?: string;
      variables?: Record<string, string | number | boolean>;
    }[];
  }[];
  domainNames?: {
    domainName: string;
    basePathMappings?: { basePath?: string; restApi: string; stage: string }[];
  }[];
}

export const REST_API_ID_PATTERN = '^[a-z0-9]{1,32}$';

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
          stages: {
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
              },
            },
          },
        },
      },
    },
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

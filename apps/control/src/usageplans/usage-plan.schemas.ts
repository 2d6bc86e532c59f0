const THROTTLE = {
  type: 'object',
  properties: { rateLimit: { type: 'number' }, burstLimit: { type: 'integer' } },
  additionalProperties: false,
} as const;

/** CreateUsagePlan's body (AWS's members). */
export const CREATE_USAGE_PLAN_SCHEMA = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 1024 },
    description: { type: 'string', maxLength: 1024 },
    apiStages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['apiId', 'stage'],
        properties: {
          apiId: { type: 'string', minLength: 1 },
          stage: { type: 'string', minLength: 1 },
          throttle: { type: 'object', additionalProperties: THROTTLE },
        },
      },
    },
    throttle: THROTTLE,
    quota: {
      type: 'object',
      properties: {
        limit: { type: 'integer' },
        offset: { type: 'integer' },
        period: { type: 'string' },
      },
      additionalProperties: false,
    },
    productCode: { type: 'string', maxLength: 1024 },
    tags: { type: 'object', additionalProperties: { type: 'string', maxLength: 256 } },
  },
} as const;

/** CreateUsagePlanKey's body. */
export const CREATE_USAGE_PLAN_KEY_SCHEMA = {
  type: 'object',
  required: ['keyId', 'keyType'],
  properties: {
    keyId: { type: 'string', minLength: 1 },
    keyType: { type: 'string' },
  },
} as const;

export interface CreateUsagePlanKeyBody {
  keyId: string;
  keyType: string;
}

import { API_KEY_MAX_LENGTH, API_KEY_MIN_LENGTH } from '@portico/contracts';

/** CreateApiKey's body (AWS's members; `generateDistinctId` is accepted and has no effect). */
export const CREATE_API_KEY_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 1024 },
    description: { type: 'string', maxLength: 1024 },
    enabled: { type: 'boolean' },
    generateDistinctId: { type: 'boolean' },
    value: { type: 'string', minLength: API_KEY_MIN_LENGTH, maxLength: API_KEY_MAX_LENGTH },
    customerId: { type: 'string', maxLength: 1024 },
    stageKeys: {
      type: 'array',
      items: {
        type: 'object',
        properties: { restApiId: { type: 'string' }, stageName: { type: 'string' } },
        required: ['restApiId', 'stageName'],
      },
    },
    tags: { type: 'object', additionalProperties: { type: 'string', maxLength: 256 } },
  },
} as const;

export interface CreateApiKeyBody {
  name?: string;
  description?: string;
  enabled?: boolean;
  generateDistinctId?: boolean;
  value?: string;
  customerId?: string;
  stageKeys?: Array<{ restApiId: string; stageName: string }>;
  tags?: Record<string, string>;
}

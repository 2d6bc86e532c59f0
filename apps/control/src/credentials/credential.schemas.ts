import { SECRET_ACCESS_KEY_MAX_LENGTH, SECRET_ACCESS_KEY_MIN_LENGTH } from '@portico/contracts';

/** CreateCredential's body (beyond AWS, which keeps access keys in IAM). */
export const CREATE_CREDENTIAL_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['userName'],
  properties: {
    userName: { type: 'string', minLength: 1, maxLength: 64 },
    description: { type: 'string', maxLength: 1000 },
    enabled: { type: 'boolean' },
    policies: { type: 'array', items: { type: ['object', 'string'] } },
    accessKeyId: { type: 'string', pattern: '^[A-Z0-9]{16,128}$' },
    secretAccessKey: {
      type: 'string',
      minLength: SECRET_ACCESS_KEY_MIN_LENGTH,
      maxLength: SECRET_ACCESS_KEY_MAX_LENGTH,
    },
    tags: { type: 'object', additionalProperties: { type: 'string', maxLength: 256 } },
  },
} as const;

export interface CreateCredentialBody {
  userName: string;
  description?: string;
  enabled?: boolean;
  policies?: Array<object | string>;
  accessKeyId?: string;
  secretAccessKey?: string;
  tags?: Record<string, string>;
}

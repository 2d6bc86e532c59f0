import {
  ACCESS_KEY_ID_PATTERN,
  SECRET_ACCESS_KEY_MAX_LENGTH,
  SECRET_ACCESS_KEY_MIN_LENGTH,
} from '@portico/contracts';
import { policyDocuments } from '../credentials/credential-policies';
import { ENV_NAME_SCHEMA, resolveSecret, type SecretField } from './config-file.secrets';

/** A `credentials:` entry as written. The secret is given inline or named by variable. */
export interface ConfigFileCredential {
  accessKeyId: string;
  secretAccessKey?: string;
  secretAccessKeyEnv?: string;
  userName: string;
  description?: string;
  enabled?: boolean;
  policies?: Array<object | string>;
}

export const CREDENTIALS_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['accessKeyId', 'userName'],
    properties: {
      accessKeyId: { type: 'string', pattern: ACCESS_KEY_ID_PATTERN.source },
      secretAccessKey: { type: 'string' },
      secretAccessKeyEnv: ENV_NAME_SCHEMA,
      userName: { type: 'string', pattern: '^[\\w+=,.@-]{1,64}$' },
      description: { type: 'string', maxLength: 1000 },
      enabled: { type: 'boolean' },
      policies: { type: 'array', items: { type: ['object', 'string'] } },
    },
  },
} as const;

const SECRET: SecretField = {
  inline: 'secretAccessKey',
  fromEnv: 'secretAccessKeyEnv',
  what: 'the secret access key',
  min: SECRET_ACCESS_KEY_MIN_LENGTH,
  max: SECRET_ACCESS_KEY_MAX_LENGTH,
};

/** A credential as the file wants it, its secret resolved. */
export interface DesiredCredential {
  accessKeyId: string;
  secretAccessKey: string;
  userName: string;
  description?: string;
  enabled: boolean;
  policies: object[];
  /** Where the file declares it (`credentials[0]`). */
  at: string;
}

/**
 * The file's credentials with their secrets read from the environment where named; checked as
 * the auth service will check them, so a file it would refuse changes nothing.
 */
export function resolveCredentials(
  entries: ConfigFileCredential[] | undefined,
  env: Readonly<Record<string, string | undefined>>,
  fail: (message: string) => Error,
): DesiredCredential[] {
  const desired: DesiredCredential[] = [];
  for (const [i, entry] of (entries ?? []).entries()) {
    const at = `credentials[${i}]`;
    const clash = desired.find((d) => d.accessKeyId === entry.accessKeyId);
    if (clash) {
      throw fail(`${at}.accessKeyId "${entry.accessKeyId}" is also the id of ${clash.at}`);
    }
    const secret = resolveSecret({ ...entry }, SECRET, at, env, fail);
    desired.push({
      accessKeyId: entry.accessKeyId,
      secretAccessKey: secret,
      userName: entry.userName,
      ...(entry.description ? { description: entry.description } : {}),
      enabled: entry.enabled ?? true,
      policies: policyDocuments(entry.policies ?? [], `${at}.policies`, fail),
      at,
    });
  }
  return desired;
}

import {
  commonEnvProperties,
  type CommonEnv,
  ConfigError,
  type EnvSchema,
  loadEnv,
} from '@portico/platform';

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');

/** The secret's decoded size: HKDF derives the lookup and encryption keys from it. */
export const SECRET_KEY_BYTES = 32;

const schema: EnvSchema = {
  type: 'object',
  properties: {
    ...commonEnvProperties,
    AUTH_OPS_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 9084 },
    /**
     * 32 random bytes, base64: the keyed hash API keys are found by and the key they are
     * encrypted with derive from it. Every replica needs the same one; losing it loses every
     * key's value. `openssl rand -base64 32` makes one.
     */
    AUTH_SECRET_KEY: { type: 'string', minLength: 1 },
    /**
     * Older AUTH_SECRET_KEYs, comma-separated, while a rotation runs: values sealed and keys
     * hashed under them still open and verify, and a background task moves every record to
     * AUTH_SECRET_KEY. Every replica gets the same list.
     */
    AUTH_PREVIOUS_SECRET_KEYS: { type: 'string', default: '' },
    /** How often the rotation task passes over the store (records still under an older key). */
    AUTH_ROTATION_INTERVAL_MS: { type: 'integer', minimum: 100, maximum: 3600000, default: 10000 },
    /** How often the store's revision is announced to edges (a lost event's upper bound). */
    AUTH_REVISION_INTERVAL_MS: { type: 'integer', minimum: 100, maximum: 60000, default: 1000 },
    /** The account in credentials' user ARNs (`arn:aws:iam::{account}:user/{name}`), as edges'. */
    PORTICO_ACCOUNT_ID: { type: 'string', pattern: '^[0-9]{12}$', default: '123456789012' },
  },
  required: ['AUTH_SECRET_KEY'],
};

export interface AuthConfig extends CommonEnv {
  AUTH_OPS_PORT: number;
  AUTH_SECRET_KEY: string;
  AUTH_PREVIOUS_SECRET_KEYS: string;
  AUTH_ROTATION_INTERVAL_MS: number;
  AUTH_REVISION_INTERVAL_MS: number;
  PORTICO_ACCOUNT_ID: string;
}

/** Validates the environment; a bad value throws a ConfigError naming the variable. */
export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const config = loadEnv<AuthConfig>(schema, env);
  if (!isSecretKey(config.AUTH_SECRET_KEY)) {
    throw new ConfigError('AUTH_SECRET_KEY', KEY_FORMAT);
  }
  const seen = new Set([config.AUTH_SECRET_KEY]);
  previousSecretKeys(config).forEach((key, i) => {
    // The position, never the key, names the bad entry.
    const problem = !isSecretKey(key)
      ? KEY_FORMAT
      : key === config.AUTH_SECRET_KEY
        ? 'must not hold AUTH_SECRET_KEY itself'
        : seen.has(key)
          ? 'must not hold a key twice'
          : undefined;
    if (problem) throw new ConfigError('AUTH_PREVIOUS_SECRET_KEYS', `entry ${i + 1} ${problem}`);
    seen.add(key);
  });
  return config;
}

const KEY_FORMAT = `must be ${SECRET_KEY_BYTES} bytes in base64 (openssl rand -base64 32)`;

/** The older keys of AUTH_PREVIOUS_SECRET_KEYS, in the order given (blank entries skipped). */
export function previousSecretKeys(
  config: Pick<AuthConfig, 'AUTH_PREVIOUS_SECRET_KEYS'>,
): string[] {
  return config.AUTH_PREVIOUS_SECRET_KEYS.split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
}

function isSecretKey(value: string): boolean {
  const bytes = Buffer.from(value, 'base64');
  // Buffer.from ignores what is not base64: re-encoding tells a real 32-byte key from noise.
  return bytes.length === SECRET_KEY_BYTES && bytes.toString('base64') === value;
}

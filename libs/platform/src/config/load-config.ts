import Ajv, { type ErrorObject } from 'ajv';

/** A JSON Schema over environment variables: property names are the variable names. */
export interface EnvSchema {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: false, strict: false });

/**
 * Validates the environment against an app's schema and returns the coerced values.
 * A bad value throws a ConfigError that names the variable, so boot stops with it.
 */
export function loadEnv<T>(schema: EnvSchema, env: NodeJS.ProcessEnv): T {
  const picked: Record<string, unknown> = {};
  for (const name of Object.keys(schema.properties)) {
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  const validate = ajv.compile({ ...schema, additionalProperties: true });
  if (!validate(picked)) {
    const err = (validate.errors ?? [])[0] as ErrorObject | undefined;
    const variable =
      err?.keyword === 'required'
        ? String((err.params as { missingProperty: string }).missingProperty)
        : (err?.instancePath.replace(/^\//, '') ?? 'environment');
    throw new ConfigError(
      variable,
      err?.keyword === 'required' ? 'is required' : (err?.message ?? 'is invalid'),
    );
  }
  return picked as T;
}

/** Schema fragments shared by every service. */
export const commonEnvProperties = {
  LOG_LEVEL: {
    type: 'string',
    enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
  },
  NATS_URL: { type: 'string', pattern: '^(nats|tls|ws|wss)://', default: 'nats://127.0.0.1:4222' },
  REDIS_URL: { type: 'string', pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' },
  REDIS_KEY_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9:_-]*$', default: 'portico:' },
  REDIS_COMMAND_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 1000 },
  SHUTDOWN_TIMEOUT_MS: { type: 'integer', minimum: 0, maximum: 600000, default: 30000 },
  OPS_HOST: { type: 'string', default: '0.0.0.0' },
} as const;

export interface CommonEnv {
  LOG_LEVEL: string;
  NATS_URL: string;
  REDIS_URL: string;
  REDIS_KEY_PREFIX: string;
  REDIS_COMMAND_TIMEOUT_MS: number;
  SHUTDOWN_TIMEOUT_MS: number;
  OPS_HOST: string;
}

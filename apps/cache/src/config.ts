import { commonEnvProperties, type CommonEnv, type EnvSchema, loadEnv } from '@portico/platform';

export const CACHE_CONFIG = Symbol('CACHE_CONFIG');

const schema: EnvSchema = {
  type: 'object',
  properties: {
    ...commonEnvProperties,
    CACHE_OPS_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 9086 },
    /**
     * The longest a lookup, fill or invalidation step waits on Redis (also one queued while the
     * client reconnects); past it the call is answered Unavailable and the edge goes to the
     * integration. It replaces REDIS_COMMAND_TIMEOUT_MS for this service: a cache that answers
     * slowly is worse than none.
     */
    CACHE_REDIS_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 50 },
    /** Base64 of 32 bytes: when set, every entry is sealed with AES-256-GCM before Redis. */
    CACHE_ENCRYPTION_KEY: { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$' },
  },
};

export interface CacheConfig extends CommonEnv {
  CACHE_OPS_PORT: number;
  CACHE_REDIS_TIMEOUT_MS: number;
  CACHE_ENCRYPTION_KEY?: string;
}

/** Validates the environment; a bad value throws a ConfigError naming the variable. */
export function loadCacheConfig(env: NodeJS.ProcessEnv = process.env): CacheConfig {
  return loadEnv<CacheConfig>(schema, env);
}

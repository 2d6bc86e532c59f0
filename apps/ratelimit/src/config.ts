import { commonEnvProperties, type CommonEnv, type EnvSchema, loadEnv } from '@portico/platform';

export const RATELIMIT_CONFIG = Symbol('RATELIMIT_CONFIG');

const schema: EnvSchema = {
  type: 'object',
  properties: {
    ...commonEnvProperties,
    RATELIMIT_OPS_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 9085 },
    /**
     * The longest a decision waits on Redis (its script call, also one queued while the client
     * reconnects); past it the decision is answered Unavailable. It replaces
     * REDIS_COMMAND_TIMEOUT_MS for this service: a limiter must answer fast or not at all.
     */
    RATELIMIT_REDIS_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 50 },
    /** How long a key's usage record of one day is kept for GetUsage after its last write. */
    RATELIMIT_USAGE_RETENTION_DAYS: { type: 'integer', minimum: 1, maximum: 3650, default: 90 },
  },
};

export interface RateLimitConfig extends CommonEnv {
  RATELIMIT_OPS_PORT: number;
  RATELIMIT_REDIS_TIMEOUT_MS: number;
  RATELIMIT_USAGE_RETENTION_DAYS: number;
}

/** Validates the environment; a bad value throws a ConfigError naming the variable. */
export function loadRateLimitConfig(env: NodeJS.ProcessEnv = process.env): RateLimitConfig {
  return loadEnv<RateLimitConfig>(schema, env);
}

import { commonEnvProperties, type CommonEnv, type EnvSchema, loadEnv } from '@portico/platform';

export const CONNECTIONS_CONFIG = Symbol('CONNECTIONS_CONFIG');

const schema: EnvSchema = {
  type: 'object',
  properties: {
    ...commonEnvProperties,
    CONNECTIONS_OPS_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 9083 },
    /** How often the registry looks for edges that stopped beating (one replica at a time). */
    CONNECTIONS_SWEEP_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 5000 },
    /** Bound on a call to the edge that holds a socket. */
    CONNECTIONS_EDGE_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 2000 },
    /** Most connections one presence query returns. */
    CONNECTIONS_LIST_LIMIT: { type: 'integer', minimum: 1, maximum: 100000, default: 10000 },
  },
};

export interface ConnectionsConfig extends CommonEnv {
  CONNECTIONS_OPS_PORT: number;
  CONNECTIONS_SWEEP_MS: number;
  CONNECTIONS_EDGE_TIMEOUT_MS: number;
  CONNECTIONS_LIST_LIMIT: number;
}

/** Validates the environment; a bad value throws a ConfigError naming the variable. */
export function loadConnectionsConfig(env: NodeJS.ProcessEnv = process.env): ConnectionsConfig {
  return loadEnv<ConnectionsConfig>(schema, env);
}

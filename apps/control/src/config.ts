import { resolve } from 'node:path';
import { commonEnvProperties, loadEnv, type CommonEnv, type EnvSchema } from '@portico/platform';

/** Where control looks for the declarative config file when PORTICO_CONFIG is not set. */
export const DEFAULT_CONFIG_FILE = './portico.yaml';

const schema: EnvSchema = {
  type: 'object',
  properties: {
    ...commonEnvProperties,
    // Loopback until management authentication lands: the management API has no auth yet.
    CONTROL_HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
    CONTROL_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 8081 },
    CONTROL_OPS_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 9081 },
    PORTICO_CONFIG: { type: 'string', minLength: 1 },
    PORTICO_CONFIG_WATCH: { type: 'boolean', default: true },
    PORTICO_DOMAIN: {
      type: 'string',
      pattern:
        '^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$',
      default: 'localhost',
    },
    PORTICO_REGION: {
      type: 'string',
      pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$',
      default: 'us-east-1',
    },
  },
};

interface ControlEnv extends CommonEnv {
  CONTROL_HOST: string;
  CONTROL_PORT: number;
  CONTROL_OPS_PORT: number;
  PORTICO_CONFIG?: string;
  PORTICO_CONFIG_WATCH: boolean;
  PORTICO_DOMAIN: string;
  PORTICO_REGION: string;
}

export interface ConfigFileSettings {
  /** Absolute path of the declarative config file. */
  path: string;
  /** True when PORTICO_CONFIG named the file: then it must exist. */
  explicit: boolean;
  watch: boolean;
}

export interface ControlConfig {
  common: CommonEnv;
  host: string;
  port: number;
  opsHost: string;
  opsPort: number;
  configFile: ConfigFileSettings;
  /** execute-api host names are `{restApiId}.execute-api.{domain}`. */
  domain: string;
  region: string;
}

/** Validates control's environment; a bad value throws a ConfigError naming the variable. */
export function loadControlConfig(env: NodeJS.ProcessEnv = process.env): ControlConfig {
  const e = loadEnv<ControlEnv>(schema, env);
  return {
    common: e,
    host: e.CONTROL_HOST,
    port: e.CONTROL_PORT,
    opsHost: e.OPS_HOST,
    opsPort: e.CONTROL_OPS_PORT,
    configFile: {
      path: resolve(e.PORTICO_CONFIG ?? DEFAULT_CONFIG_FILE),
      explicit: e.PORTICO_CONFIG !== undefined,
      watch: e.PORTICO_CONFIG_WATCH,
    },
    domain: e.PORTICO_DOMAIN.toLowerCase(),
    region: e.PORTICO_REGION,
  };
}

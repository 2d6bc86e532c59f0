import { resolve } from 'node:path';
import {
  commonEnvProperties,
  ConfigError,
  loadEnv,
  type CommonEnv,
  type EnvSchema,
} from '@portico/platform';

/** Where control looks for the declarative config file when PORTICO_CONFIG is not set. */
export const DEFAULT_CONFIG_FILE = './portico.yaml';

const schema: EnvSchema = {
  type: 'object',
  properties: {
    ...commonEnvProperties,
    // Beyond loopback only with CONTROL_ADMIN_CREDENTIALS: then every request must be signed.
    CONTROL_HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
    /** `accessKeyId:secret[,accessKeyId:secret…]`: who may call the management API (SigV4). */
    CONTROL_ADMIN_CREDENTIALS: { type: 'string', minLength: 1 },
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
  CONTROL_ADMIN_CREDENTIALS?: string;
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
  /** The environment, for the variables the file's credentials name their secrets by. */
  env: Readonly<Record<string, string | undefined>>;
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
  /**
   * Secrets by access key id. Empty: management requests are not authenticated, which control
   * allows only on a loopback address.
   */
  adminCredentials: ReadonlyMap<string, string>;
}

/** Validates control's environment; a bad value throws a ConfigError naming the variable. */
export function loadControlConfig(env: NodeJS.ProcessEnv = process.env): ControlConfig {
  const e = loadEnv<ControlEnv>(schema, env);
  const adminCredentials = parseCredentials(e.CONTROL_ADMIN_CREDENTIALS);
  if (adminCredentials.size === 0 && !isLoopback(e.CONTROL_HOST)) {
    throw new ConfigError(
      'CONTROL_ADMIN_CREDENTIALS',
      `is required when CONTROL_HOST (${e.CONTROL_HOST}) is not a loopback address: without it the management API would be open to anyone who reaches it`,
    );
  }
  return {
    adminCredentials,
    common: e,
    host: e.CONTROL_HOST,
    port: e.CONTROL_PORT,
    opsHost: e.OPS_HOST,
    opsPort: e.CONTROL_OPS_PORT,
    configFile: {
      path: resolve(e.PORTICO_CONFIG ?? DEFAULT_CONFIG_FILE),
      explicit: e.PORTICO_CONFIG !== undefined,
      watch: e.PORTICO_CONFIG_WATCH,
      env,
    },
    domain: e.PORTICO_DOMAIN.toLowerCase(),
    region: e.PORTICO_REGION,
  };
}

/** `id:secret,id:secret`; a malformed entry is a ConfigError naming the variable. */
function parseCredentials(value: string | undefined): Map<string, string> {
  const credentials = new Map<string, string>();
  for (const entry of (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    const secret = entry.slice(colon + 1);
    if (colon <= 0 || secret === '' || !/^[A-Za-z0-9_-]+$/.test(id)) {
      throw new ConfigError(
        'CONTROL_ADMIN_CREDENTIALS',
        'must be accessKeyId:secret pairs separated by commas (the id: letters, digits, _ and -)',
      );
    }
    credentials.set(id, secret);
  }
  return credentials;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

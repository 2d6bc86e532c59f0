import { isIP } from 'node:net';
import {
  commonEnvProperties,
  ConfigError,
  loadEnv,
  type CommonEnv,
  type EnvSchema,
} from '@portico/platform';

export const EDGE_CONFIG = Symbol('EDGE_CONFIG');

const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;

const edgeEnvSchema: EnvSchema = {
  type: 'object',
  properties: {
    ...commonEnvProperties,
    EDGE_HOST: { type: 'string', minLength: 1, default: '0.0.0.0' },
    EDGE_PORT: { ...port, default: 8080 },
    EDGE_OPS_PORT: { ...port, default: 9080 },
    /** `{restApiId}.execute-api.{PORTICO_DOMAIN}` is the host-based invocation form. */
    PORTICO_DOMAIN: {
      type: 'string',
      pattern: '^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$',
      default: 'localhost',
    },
    PORTICO_REGION: { type: 'string', pattern: '^[a-z0-9-]+$', default: 'us-east-1' },
    PORTICO_ACCOUNT_ID: { type: 'string', pattern: '^[0-9]{12}$', default: '123456789012' },
    /** Comma-separated IPs and CIDRs whose X-Forwarded-* headers are believed; none by default. */
    TRUSTED_PROXIES: { type: 'string', default: '' },
    /** API Gateway's payload limit is 10 MB. */
    MAX_BODY_BYTES: { type: 'integer', minimum: 1, maximum: 1073741824, default: 10485760 },
    /** API Gateway allows 10 KB of request headers in total (request line included here). */
    MAX_HEADER_BYTES: { type: 'integer', minimum: 1024, maximum: 1048576, default: 10240 },
    UPSTREAM_CONNECTIONS: { type: 'integer', minimum: 1, maximum: 100000, default: 128 },
    UPSTREAM_KEEPALIVE_MS: { type: 'integer', minimum: 1, maximum: 3600000, default: 4000 },
    UPSTREAM_CONNECT_TIMEOUT_MS: { type: 'integer', minimum: 1, maximum: 120000, default: 10000 },
    /** Full reload from Redis, in case a change event was missed. */
    STAGE_RESYNC_INTERVAL_MS: { type: 'integer', minimum: 1000, maximum: 86400000, default: 30000 },
  },
};

export interface EdgeConfig extends CommonEnv {
  EDGE_HOST: string;
  EDGE_PORT: number;
  EDGE_OPS_PORT: number;
  PORTICO_DOMAIN: string;
  PORTICO_REGION: string;
  PORTICO_ACCOUNT_ID: string;
  /** Parsed from the comma list: each an IP address or a CIDR block. */
  TRUSTED_PROXIES: string[];
  MAX_BODY_BYTES: number;
  MAX_HEADER_BYTES: number;
  UPSTREAM_CONNECTIONS: number;
  UPSTREAM_KEEPALIVE_MS: number;
  UPSTREAM_CONNECT_TIMEOUT_MS: number;
  STAGE_RESYNC_INTERVAL_MS: number;
}

/** Validates the edge's environment; a bad value throws a ConfigError naming the variable. */
export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  const raw = loadEnv<Omit<EdgeConfig, 'TRUSTED_PROXIES'> & { TRUSTED_PROXIES: string }>(
    edgeEnvSchema,
    env,
  );
  return {
    ...raw,
    PORTICO_DOMAIN: raw.PORTICO_DOMAIN.toLowerCase(),
    TRUSTED_PROXIES: parseTrustedProxies(raw.TRUSTED_PROXIES),
  };
}

function parseTrustedProxies(value: string): string[] {
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const entry of entries) {
    if (!isIpOrCidr(entry)) {
      throw new ConfigError(
        'TRUSTED_PROXIES',
        `has an entry that is not an IP or CIDR: "${entry}"`,
      );
    }
  }
  return entries;
}

function isIpOrCidr(entry: string): boolean {
  const slash = entry.indexOf('/');
  if (slash === -1) return isIP(entry) !== 0;
  const family = isIP(entry.slice(0, slash));
  const bits = entry.slice(slash + 1);
  if (family === 0 || !/^[0-9]{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

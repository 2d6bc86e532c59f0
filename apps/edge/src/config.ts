import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
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
    /** This edge's name in the connection registry; default: host name, pid and a random part. */
    EDGE_ID: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    /** WebSocket limits, AWS's defaults: idle 10 min, connection 2 h, frame 32 KB, message 128 KB. */
    WS_IDLE_TIMEOUT_MS: { type: 'integer', minimum: 1000, maximum: 86400000, default: 600000 },
    WS_MAX_DURATION_MS: { type: 'integer', minimum: 1000, maximum: 604800000, default: 7200000 },
    WS_MAX_FRAME_BYTES: { type: 'integer', minimum: 1024, maximum: 16777216, default: 32768 },
    WS_MAX_MESSAGE_BYTES: { type: 'integer', minimum: 1024, maximum: 16777216, default: 131072 },
    /** Ping every connection this often; one that has not answered the previous ping is dropped. */
    WS_PING_INTERVAL_MS: { type: 'integer', minimum: 100, maximum: 3600000, default: 30000 },
    /** A connection whose unsent data passes this is a slow consumer, and is closed. */
    WS_MAX_BUFFERED_BYTES: {
      type: 'integer',
      minimum: 1024,
      maximum: 1073741824,
      default: 1048576,
    },
    /** Messages of one connection in flight at once; beyond it the edge stops reading its socket. */
    WS_MAX_INFLIGHT_PER_CONNECTION: { type: 'integer', minimum: 1, maximum: 10000, default: 64 },
    /** Messages a second one connection may send (a token bucket per connection); 0 = no limit. */
    WS_MESSAGE_RATE_PER_CONNECTION: { type: 'number', minimum: 0, maximum: 1e6, default: 1000 },
    /** That bucket's size: messages one connection may send at once. */
    WS_MESSAGE_BURST_PER_CONNECTION: { type: 'integer', minimum: 1, maximum: 1e6, default: 2000 },
    /** How often this edge tells the registry it is alive; the registry forgets it after 3 misses. */
    EDGE_HEARTBEAT_MS: { type: 'integer', minimum: 100, maximum: 60000, default: 5000 },
    /** Bound on a call to the connections service (register, @connections, channels). */
    CONNECTIONS_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 3000 },
    /** Bound on a function authorizer's call (API Gateway's limit is 30 s). */
    AUTHORIZER_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 30000, default: 10000 },
    CONNECTIONS_API_AUTH: { type: 'string', enum: ['none', 'iam'], default: 'none' },
    /** Bound on a call to the auth service (an API key the edge has not cached). */
    AUTH_TIMEOUT_MS: { type: 'integer', minimum: 10, maximum: 60000, default: 3000 },
    /** How long the edge keeps an answer naming a key (a change to the key ends it at once). */
    API_KEY_CACHE_TTL_MS: { type: 'integer', minimum: 0, maximum: 3600000, default: 300000 },
    /** How long the edge keeps "no such key" (ended at once when any key is created). */
    API_KEY_NEGATIVE_TTL_MS: { type: 'integer', minimum: 0, maximum: 600000, default: 5000 },
    API_KEY_CACHE_MAX_ENTRIES: { type: 'integer', minimum: 1, maximum: 10000000, default: 100000 },
    /** Bound on fetching a JWT authorizer's key set (connect, headers and body together). */
    JWKS_FETCH_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 30000, default: 3000 },
    /** A token with a key id the set lacks fetches it again at most this often. */
    JWKS_COOLDOWN_MS: { type: 'integer', minimum: 0, maximum: 3600000, default: 30000 },
    /** A fetched key set is used this long before it is fetched again. */
    JWKS_MAX_AGE_MS: { type: 'integer', minimum: 1000, maximum: 86400000, default: 600000 },
    /** The account's token bucket, every request of this gateway (AWS: 10,000 rps, burst 5,000). */
    THROTTLE_ACCOUNT_RATE: { type: 'number', exclusiveMinimum: 0, maximum: 1e9, default: 10000 },
    THROTTLE_ACCOUNT_BURST: { type: 'integer', minimum: 1, maximum: 1e9, default: 5000 },
    /** A lease is this fraction of the tightest bucket's min(rate, burst), at least 1 token. */
    THROTTLE_LEASE_FRACTION: { type: 'number', minimum: 0, maximum: 1, default: 0.01 },
    /** Leased tokens not spent within this are dropped. */
    THROTTLE_LEASE_TTL_MS: { type: 'integer', minimum: 1, maximum: 60000, default: 250 },
    /** Bound on a call to the ratelimit service. */
    THROTTLE_TIMEOUT_MS: { type: 'integer', minimum: 1, maximum: 60000, default: 50 },
    /** The ratelimit service undecided: admit (open) or answer 503 (closed). */
    THROTTLE_FAILURE_MODE: { type: 'string', enum: ['open', 'closed'], default: 'open' },
    /** X-RateLimit-Limit/-Remaining/-Reset on REST responses (beyond API Gateway, which has none). */
    THROTTLE_RATELIMIT_HEADERS: { type: 'boolean', default: false },
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
  EDGE_ID: string;
  WS_IDLE_TIMEOUT_MS: number;
  WS_MAX_DURATION_MS: number;
  WS_MAX_FRAME_BYTES: number;
  WS_MAX_MESSAGE_BYTES: number;
  WS_PING_INTERVAL_MS: number;
  WS_MAX_BUFFERED_BYTES: number;
  WS_MAX_INFLIGHT_PER_CONNECTION: number;
  WS_MESSAGE_RATE_PER_CONNECTION: number;
  WS_MESSAGE_BURST_PER_CONNECTION: number;
  EDGE_HEARTBEAT_MS: number;
  CONNECTIONS_TIMEOUT_MS: number;
  AUTH_TIMEOUT_MS: number;
  AUTHORIZER_TIMEOUT_MS: number;
  /** `iam`: @connections and @channels calls must be signed and allowed execute-api:ManageConnections. */
  CONNECTIONS_API_AUTH: 'none' | 'iam';
  API_KEY_CACHE_TTL_MS: number;
  API_KEY_NEGATIVE_TTL_MS: number;
  API_KEY_CACHE_MAX_ENTRIES: number;
  JWKS_FETCH_TIMEOUT_MS: number;
  JWKS_COOLDOWN_MS: number;
  JWKS_MAX_AGE_MS: number;
  THROTTLE_ACCOUNT_RATE: number;
  THROTTLE_ACCOUNT_BURST: number;
  THROTTLE_LEASE_FRACTION: number;
  THROTTLE_LEASE_TTL_MS: number;
  THROTTLE_TIMEOUT_MS: number;
  THROTTLE_FAILURE_MODE: 'open' | 'closed';
  THROTTLE_RATELIMIT_HEADERS: boolean;
}

/** Validates the edge's environment; a bad value throws a ConfigError naming the variable. */
export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  const raw = loadEnv<
    Omit<EdgeConfig, 'TRUSTED_PROXIES' | 'EDGE_ID'> & { TRUSTED_PROXIES: string; EDGE_ID?: string }
  >(edgeEnvSchema, env);
  if (raw.WS_MAX_FRAME_BYTES > raw.WS_MAX_MESSAGE_BYTES) {
    throw new ConfigError('WS_MAX_FRAME_BYTES', 'must not exceed WS_MAX_MESSAGE_BYTES');
  }
  return {
    ...raw,
    EDGE_ID: raw.EDGE_ID ?? defaultEdgeId(),
    PORTICO_DOMAIN: raw.PORTICO_DOMAIN.toLowerCase(),
    TRUSTED_PROXIES: parseTrustedProxies(raw.TRUSTED_PROXIES),
  };
}

/** Unique per process: a restarted edge is a new edge, whose predecessor's sockets are gone. */
function defaultEdgeId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9_-]/g, '')
      .slice(0, 32) || 'edge';
  return `${host}-${process.pid}-${randomBytes(4).toString('hex')}`;
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

/** The Invoker the request pipeline calls (an IntegrationService). */
export const INVOKER = Symbol('INVOKER');
export const INTEGRATIONS_OPTIONS = Symbol('INTEGRATIONS_OPTIONS');

export interface IntegrationsOptions {
  accountId: string;
  region: string;
  /** Largest backend response buffered for mapping (HTTP non-proxy) or announced by a proxied one; default 10 MiB, as AWS. */
  maxResponseBytes?: number;
  upstream: {
    /** Keep-alive connections per upstream origin. */
    connections: number;
    keepAliveTimeoutMs: number;
    connectTimeoutMs: number;
  };
}

export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

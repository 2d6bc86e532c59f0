import { Inject, Injectable } from '@nestjs/common';
import {
  API_KEY_MAX_LENGTH,
  API_KEY_MIN_LENGTH,
  AUTH_APIKEY_CHANGED,
  AUTH_APIKEY_VERIFY,
  type ApiKeyChangedEvent,
  type VerifyApiKeyReply,
  type VerifiedApiKey,
  type VerifyApiKeyRequest,
} from '@portico/contracts';
import {
  callService,
  encodeJson,
  type Failure,
  METRICS_REGISTRY,
  NATS_CONNECTION,
} from '@portico/platform';
import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import type { EdgeRequest } from '../pipeline/edge-request';
import { GatewayError } from '../responses/gateway-error';
import type { CompiledStage } from '../stages/compiled-stage';
import { UsagePlanRegistry } from '../stages/usage-plan-registry';
import { AuthEvents } from './auth-events';
import { DecisionCounter } from './decision-counter';
import { DecisionCache, isFailure } from './decision-cache';

/** What the auth service said of a value: the key it belongs to, or null for none. */
export type ApiKeyVerdict = VerifiedApiKey | null;

/** The header API Gateway reads a key from (API key source HEADER). */
const API_KEY_HEADER = 'x-api-key';

/**
 * The API key check of a method with `apiKeyRequired`: the `x-api-key` value must name an
 * enabled key that a usage plan of the stage holds, else 403 `{"message":"Forbidden"}`
 * (INVALID_API_KEY), as on API Gateway. The
 * auth service answers; the edge keeps its answers (a DecisionCache) and forgets them when auth
 * says a key changed, when the key store's announced revision moves, or when NATS reconnects
 * (events may have been missed) — so a revoked key stops working on every edge within about a
 * second. With auth unreachable, a key the cache knows keeps its verdict until it expires; any
 * other request answers 503 at once.
 */
@Injectable()
export class ApiKeyGate {
  private readonly cache: DecisionCache<ApiKeyVerdict>;
  private readonly timeoutMs: number;
  private readonly checks: DecisionCounter;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection | null,
    @Inject(EDGE_CONFIG) config: EdgeConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    events: AuthEvents,
    private readonly plans: UsagePlanRegistry,
  ) {
    this.timeoutMs = config.AUTH_TIMEOUT_MS;
    this.cache = new DecisionCache<ApiKeyVerdict>({
      ttlMs: (verdict) => (verdict ? config.API_KEY_CACHE_TTL_MS : config.API_KEY_NEGATIVE_TTL_MS),
      idOf: (verdict) => verdict?.id,
      maxEntries: config.API_KEY_CACHE_MAX_ENTRIES,
    });
    this.checks = new DecisionCounter(
      registry,
      'portico_edge_api_key_checks_total',
      'API key checks by where the verdict came from (cache, auth; edge for a value no key can have) and their outcome',
    );
    events.on<ApiKeyChangedEvent>(AUTH_APIKEY_CHANGED, (event) => this.onChanged(event));
    events.onReset(() => this.cache.clear());
  }

  /**
   * Admits the request (and sets `r.apiKey`) or says why not. Only for methods that require a
   * key; never throws.
   */
  async check(r: EdgeRequest, stage: CompiledStage): Promise<GatewayError | undefined> {
    // With key source AUTHORIZER the method's Lambda authorizer names the key (it ran first).
    const value =
      stage.apiKeySource === 'AUTHORIZER'
        ? r.authorizer?.usageIdentifierKey
        : r.headers[API_KEY_HEADER]?.at(-1);
    if (!value) {
      return GatewayError.of(
        'INVALID_API_KEY',
        stage.apiKeySource === 'AUTHORIZER'
          ? 'No usageIdentifierKey from the authorizer'
          : 'No x-api-key header',
      );
    }
    // No key has a value of another length: refused without asking auth (or filling the cache).
    if (value.length < API_KEY_MIN_LENGTH || value.length > API_KEY_MAX_LENGTH) {
      this.checks.inc('edge', 'denied');
      return GatewayError.of('INVALID_API_KEY', `An API key of ${value.length} characters`);
    }
    const { verdict, cached } = await this.cache.verdict(value, () =>
      this.verify(value, r.requestId),
    );
    const source = cached ? 'cache' : 'auth';
    if (isFailure(verdict)) {
      this.checks.inc(source, 'unavailable');
      return new GatewayError(
        'DEFAULT_5XX',
        503,
        'Service Unavailable',
        `API key check: ${verdict.error.message}`,
      );
    }
    if (!verdict?.enabled) {
      this.checks.inc(source, 'denied');
      return GatewayError.of(
        'INVALID_API_KEY',
        verdict ? `API key ${verdict.id} is disabled` : 'Invalid API key',
      );
    }
    // As on API Gateway, a key admits only where a usage plan holding it covers the stage.
    const plan = this.plans.planFor(stage.apiId, stage.stageName, verdict.id);
    if (!plan) {
      this.checks.inc(source, 'denied');
      return GatewayError.of(
        'INVALID_API_KEY',
        `API key ${verdict.id} is in no usage plan of ${stage.apiId}/${stage.stageName}`,
      );
    }
    this.checks.inc(source, 'allowed');
    r.apiKey = { id: verdict.id, value, plan };
    return undefined;
  }

  private async verify(value: string, requestId: string): Promise<ApiKeyVerdict | Failure> {
    const reply = await callService<VerifyApiKeyReply>(
      this.nc ?? undefined,
      AUTH_APIKEY_VERIFY,
      encodeJson({ value } satisfies VerifyApiKeyRequest),
      { timeoutMs: this.timeoutMs, service: 'the auth service', requestId },
    );
    if (!reply.ok) return reply;
    return reply.key ?? null;
  }

  private onChanged(event: Partial<ApiKeyChangedEvent>): void {
    if (typeof event.apiKeyId !== 'string') return;
    if (event.change === 'created') this.cache.dropWhere((verdict) => verdict === null);
    else this.cache.dropId(event.apiKeyId);
  }
}

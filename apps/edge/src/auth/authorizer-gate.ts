import { Inject, Injectable } from '@nestjs/common';
import {
  DEADLINE_HEADER,
  type FunctionInvokeReply,
  functionInvokeSubject,
  REQUEST_ID_HEADER,
} from '@portico/contracts';
import { CONNECT_ROUTE, type FunctionAuthorizer, type Method } from '@portico/definitions';
import { evaluatePolicies, parsePolicy, type PolicyDocument, PolicyError } from '@portico/iam';
import {
  type Failure,
  failure,
  METRICS_REGISTRY,
  NATS_CONNECTION,
  PINO_LOGGER,
  type PinoLogger,
} from '@portico/platform';
import { headers as natsHeaders, type NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import { buildProxyEvent } from '../integrations/function/proxy-event';
import { buildWebSocketEvent } from '../integrations/function/websocket-event';
import type { WebSocketEventContext } from '../integrations/integration.types';
import { buildTemplateContext } from '../integrations/mapping/template-context';
import type { EdgeRequest } from '../pipeline/edge-request';
import { DEFAULT_GATEWAY_RESPONSES, GatewayError } from '../responses/gateway-error';
import type { CompiledAuthorizer, CompiledStage } from '../stages/compiled-stage';
import { DecisionCounter } from './decision-counter';
import { DecisionCache, isFailure } from './decision-cache';
import { requestArn, routeArn } from './resource-policy';

/** What a function authorizer decided for one identity, kept for its TTL. */
interface AuthorizerResult {
  principalId: string;
  policy: PolicyDocument;
  context: Record<string, string | number | boolean>;
  /** The API key for methods that require one, when the API's key source is AUTHORIZER. */
  usageIdentifierKey?: string;
  ttlMs: number;
}

/** A function authorizer that said no (it threw `Unauthorized`), as opposed to one that broke. */
type AuthorizerRefusal = { refused: true };

/**
 * Lambda ("function") authorizers, TOKEN and REQUEST, as API Gateway runs them for a method
 * with `authorizationType: CUSTOM`: the identity sources must all be present (else 401 without
 * a call), a TOKEN must match the authorizer's `identityValidationExpression` (else 401), the
 * function (served by the function runner) returns a principal, an IAM policy and a context;
 * the policy is evaluated against the request's method ARN (an explicit Deny, or nothing
 * allowing where the resource policy does not either: 403). A function that throws
 * `Unauthorized` means 401; one that fails or returns something malformed, 500. Results are
 * cached by identity for the authorizer's TTL, and a cached policy is evaluated again for every
 * request. WebSocket APIs run the same authorizers on `$connect` (authorizeConnect), with the
 * route's ARN and AWS's WebSocket REQUEST event. AccessControl decides which gate a method needs.
 */
@Injectable()
export class AuthorizerGate {
  private readonly cache: DecisionCache<AuthorizerResult | AuthorizerRefusal>;
  private readonly timeoutMs: number;
  private readonly decisions: DecisionCounter;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection | null,
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    @Inject(PINO_LOGGER) private readonly logger: PinoLogger,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.timeoutMs = config.AUTHORIZER_TIMEOUT_MS;
    this.cache = new DecisionCache({
      ttlMs: (result) => ('refused' in result ? 0 : result.ttlMs),
      maxEntries: config.API_KEY_CACHE_MAX_ENTRIES,
    });
    this.decisions = new DecisionCounter(
      registry,
      'portico_edge_authorizer_decisions_total',
      'Function authorizer decisions by where they came from (cache, function) and outcome',
    );
  }

  /**
   * Admits the request (setting `r.authorizer`) or says why not; never throws. With
   * `resourceAllows` (the API's resource policy allows this request explicitly), an authorizer
   * policy that neither allows nor denies admits, as API Gateway's Table A has it.
   */
  async authorize(
    r: EdgeRequest,
    stage: CompiledStage,
    method: Method,
    resourceAllows = false,
  ): Promise<GatewayError | undefined> {
    const authorizer = stage.authorizers.get(method.authorizerName ?? '');
    if (!authorizer) {
      return GatewayError.of(
        'AUTHORIZER_CONFIGURATION_ERROR',
        `Authorizer ${method.authorizerName} is not a function authorizer of this deployment`,
      );
    }
    const arn = requestArn(r, stage, this.config.PORTICO_REGION);
    return this.decide(r, stage, authorizer, arn, resourceAllows, (identity) =>
      authorizer.type === 'TOKEN'
        ? { type: 'TOKEN', authorizationToken: identity[0], methodArn: arn }
        : { type: 'REQUEST', methodArn: arn, ...requestEventOf(r) },
    );
  }

  /** A method whose authorization type this gateway does not run: refused, never served. */
  unsupported(method: Method): GatewayError {
    return GatewayError.of(
      'AUTHORIZER_CONFIGURATION_ERROR',
      `${method.authorizationType} authorization is not supported: the method is refused`,
    );
  }

  /**
   * A WebSocket handshake whose `$connect` route has a (REQUEST) authorizer: admits it (setting
   * `r.authorizer`, which the connection keeps for its life) or says why not; never throws.
   * `connect` describes the connection being opened. The ARN is the route's,
   * `…:{apiId}/{stage}/$connect`, and the event AWS's WebSocket REQUEST authorizer event.
   */
  authorizeConnect(
    r: EdgeRequest,
    stage: CompiledStage,
    authorizer: FunctionAuthorizer,
    connect: WebSocketEventContext,
  ): Promise<GatewayError | undefined> {
    const arn = routeArn(r, stage, this.config.PORTICO_REGION, CONNECT_ROUTE);
    return this.decide(r, stage, authorizer, arn, false, () => ({
      type: 'REQUEST',
      methodArn: arn,
      ...connectEventOf(r, connect),
    }));
  }

  /**
   * What REST methods and WebSocket `$connect` share: identity (401 without a call when
   * missing), the validation expression, the cached or fresh result, its policy for `arn`.
   */
  private async decide(
    r: EdgeRequest,
    stage: CompiledStage,
    authorizer: CompiledAuthorizer,
    arn: string,
    resourceAllows: boolean,
    eventOf: (identity: string[]) => Record<string, unknown>,
  ): Promise<GatewayError | undefined> {
    const identity = authorizer.identitySource.map((source) => identityValue(r, source));
    if (identity.some((value) => value === undefined || value === '')) {
      return GatewayError.of('UNAUTHORIZED', `Identity source missing for ${authorizer.name}`);
    }
    if (authorizer.validation && !authorizer.validation.test(identity[0]!)) {
      return GatewayError.of(
        'UNAUTHORIZED',
        `Token does not match ${authorizer.name}'s expression`,
      );
    }
    const call = () => this.invoke(authorizer, r, eventOf(identity as string[]));
    // TTL 0: a decision for this request alone, never shared, not even with a concurrent twin.
    // Otherwise by identity within this deployment (a redeploy may change the authorizer).
    const { verdict, cached } =
      authorizer.resultTtlSeconds === 0
        ? { verdict: await call(), cached: false }
        : await this.cache.verdict(
            // The cache keeps the SHA-256 of this, never the identity itself.
            [stage.apiId, stage.stageName, stage.deploymentId, authorizer.name, ...identity].join(
              '\0',
            ),
            call,
          );
    const source = cached ? 'cache' : 'function';
    if (isFailure(verdict)) {
      this.decisions.inc(source, 'failed');
      // As API Gateway: a function that cannot be reached is an authorizer failure, one that
      // throws or answers something unusable a configuration error (AuthorizerConfigurationException).
      return GatewayError.of(
        verdict.error.code === 'Unavailable'
          ? 'AUTHORIZER_FAILURE'
          : 'AUTHORIZER_CONFIGURATION_ERROR',
        verdict.error.message,
      );
    }
    if ('refused' in verdict) {
      this.decisions.inc(source, 'unauthorized');
      return GatewayError.of('UNAUTHORIZED', `${authorizer.name} said Unauthorized`);
    }
    const decision = evaluatePolicies([verdict.policy], {
      action: 'execute-api:Invoke',
      resource: arn,
      context: { 'aws:SourceIp': r.sourceIp },
    });
    if (decision === 'Deny' || (decision === 'NotApplicable' && !resourceAllows)) {
      this.decisions.inc(source, 'denied');
      const denied = new GatewayError(
        'ACCESS_DENIED',
        DEFAULT_GATEWAY_RESPONSES.ACCESS_DENIED.statusCode,
        decision === 'Deny'
          ? 'User is not authorized to access this resource with an explicit deny'
          : 'User is not authorized to access this resource',
        `${authorizer.name}'s policy for ${verdict.principalId} does not allow ${arn}`,
      );
      // API Gateway answers an IAM policy denial `{"Message": …}`.
      denied.messageKey = 'Message';
      return denied;
    }
    this.decisions.inc(source, 'allowed');
    r.authorizer = {
      principalId: verdict.principalId,
      context: verdict.context,
      ...(verdict.usageIdentifierKey ? { usageIdentifierKey: verdict.usageIdentifierKey } : {}),
    };
    return undefined;
  }

  private async invoke(
    authorizer: CompiledAuthorizer,
    r: EdgeRequest,
    event: Record<string, unknown>,
  ): Promise<AuthorizerResult | AuthorizerRefusal | Failure> {
    if (!this.nc || this.nc.isClosed()) return failure('Unavailable', 'No NATS connection');
    const h = natsHeaders();
    h.set(REQUEST_ID_HEADER, r.requestId);
    h.set(DEADLINE_HEADER, String(Date.now() + this.timeoutMs));
    const name = authorizer.functionName;
    let reply: FunctionInvokeReply;
    try {
      const msg = await this.nc.request(
        functionInvokeSubject(name),
        Buffer.from(JSON.stringify(event)),
        { timeout: this.timeoutMs, headers: h },
      );
      reply = JSON.parse(msg.string()) as FunctionInvokeReply;
    } catch (err) {
      return this.broken(r, name, `could not be invoked: ${String(err)}`, 'Unavailable');
    }
    if (!reply || typeof reply !== 'object') return this.broken(r, name, 'sent a malformed reply');
    if (!reply.ok) {
      if (reply.error?.message === 'Unauthorized') return { refused: true };
      return this.broken(r, name, `failed: ${reply.error?.message ?? 'unknown error'}`);
    }
    const result = authorizerResult(reply.result, authorizer.resultTtlSeconds * 1000);
    return typeof result === 'string' ? this.broken(r, name, result) : result;
  }

  private broken(
    r: EdgeRequest,
    name: string,
    problem: string,
    code: 'FunctionError' | 'Unavailable' = 'FunctionError',
  ): Failure {
    this.logger.warn({ requestId: r.requestId, authorizer: name, problem }, 'Authorizer failed');
    return failure(code, `Authorizer ${name} ${problem}`);
  }
}

/** The value of one identity source, or undefined when the request has none. */
function identityValue(r: EdgeRequest, source: string): string | undefined {
  const [scope, kind, ...rest] = source.split('.');
  if (scope === 'method' && kind === 'request') {
    const [where, ...name] = rest;
    const key = name.join('.');
    if (where === 'header') return r.headers[key.toLowerCase()]?.at(-1);
    if (where === 'querystring') return r.query[key]?.at(-1);
    return undefined;
  }
  if (scope === 'stageVariables') return r.stageVariables[[kind, ...rest].join('.')];
  if (scope === 'context') {
    let value: unknown = buildTemplateContext(r);
    for (const part of [kind, ...rest]) {
      value =
        value && typeof value === 'object' ? (value as Record<string, unknown>)[part!] : undefined;
    }
    return value === undefined || value === null ? undefined : String(value);
  }
  return undefined;
}

/** A REQUEST authorizer's event: the proxy event's request fields, as API Gateway sends them. */
function requestEventOf(r: EdgeRequest): Record<string, unknown> {
  const { body: _body, isBase64Encoded: _b64, ...fields } = buildProxyEvent(r, undefined);
  return fields;
}

/** AWS's WebSocket REQUEST authorizer event: the `$connect` event's fields. */
function connectEventOf(r: EdgeRequest, connect: WebSocketEventContext): Record<string, unknown> {
  const { isBase64Encoded: _b64, ...fields } = buildWebSocketEvent(r, connect, undefined);
  return fields;
}

/** The function's answer checked: a principal, a policy it can evaluate, a flat context. */
function authorizerResult(value: unknown, ttlMs: number): AuthorizerResult | string {
  if (!value || typeof value !== 'object') return 'returned no object';
  const result = value as Record<string, unknown>;
  if (typeof result.principalId !== 'string' || result.principalId === '') {
    return 'returned no principalId';
  }
  let policy: PolicyDocument;
  try {
    policy = parsePolicy(result.policyDocument);
  } catch (err) {
    return `returned an unusable policyDocument: ${err instanceof PolicyError ? err.message : String(err)}`;
  }
  const context: Record<string, string | number | boolean> = {};
  if (result.context !== undefined && result.context !== null) {
    if (typeof result.context !== 'object') return 'returned a context that is not an object';
    for (const [k, v] of Object.entries(result.context)) {
      if (!['string', 'number', 'boolean'].includes(typeof v)) {
        return `returned context.${k}, which is not a string, number or boolean`;
      }
      context[k] = v as string | number | boolean;
    }
  }
  const usage = result.usageIdentifierKey;
  if (usage !== undefined && usage !== null && typeof usage !== 'string') {
    return 'returned a usageIdentifierKey that is not a string';
  }
  return {
    principalId: result.principalId,
    policy,
    context,
    ttlMs,
    ...(typeof usage === 'string' && usage !== '' ? { usageIdentifierKey: usage } : {}),
  };
}

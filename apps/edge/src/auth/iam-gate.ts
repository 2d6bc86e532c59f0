import { Inject, Injectable } from '@nestjs/common';
import {
  AUTH_CREDENTIAL_CHANGED,
  AUTH_CREDENTIAL_SIGNING_KEY,
  type CredentialChangedEvent,
  type SigningCredential,
  type SigningKeyReply,
  type SigningKeyRequest,
} from '@portico/contracts';
import {
  type CredentialScope,
  evaluatePolicies,
  parsePolicy,
  type PolicyDocument,
  type SigV4Failure,
  verifySigV4,
} from '@portico/iam';
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
import { PayloadTooLargeError } from '../integrations';
import type { EdgeRequest } from '../pipeline/edge-request';
import { GatewayError } from '../responses/gateway-error';
import type { CompiledStage } from '../stages/compiled-stage';
import { AuthEvents } from './auth-events';
import { DecisionCounter } from './decision-counter';
import { DecisionCache, isFailure } from './decision-cache';
import { notAuthorized, requestArn, resourcePolicyDecision } from './resource-policy';

/** The signing name of API Gateway's data plane. */
const SERVICE = 'execute-api';

/** A credential with its policies parsed once, as cached for one signing day. */
interface CachedCredential extends Omit<SigningCredential, 'signingKey' | 'policies'> {
  signingKey: Buffer;
  policies: PolicyDocument[];
}

/**
 * `authorizationType: AWS_IAM`: the request must be signed with Signature Version 4 (the
 * Authorization header or a presigned URL) for this region and `execute-api`, by a credential
 * the auth service knows and that is enabled, and that credential's identity policies must
 * allow `execute-api:Invoke` on the method's ARN (an explicit Deny wins). The edge verifies the
 * signature itself with the day's signing key, which the auth service derives — the secret
 * never leaves it — and keeps with the parsed policies per credential and day, forgetting them
 * when auth says the credential changed (or its revision moves, or NATS reconnects).
 */
@Injectable()
export class IamGate {
  private readonly cache: DecisionCache<CachedCredential | null>;
  private readonly decisions: DecisionCounter;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection | null,
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    events: AuthEvents,
  ) {
    this.cache = new DecisionCache<CachedCredential | null>({
      ttlMs: (credential) =>
        credential ? config.API_KEY_CACHE_TTL_MS : config.API_KEY_NEGATIVE_TTL_MS,
      idOf: (credential) => credential?.accessKeyId,
      maxEntries: config.API_KEY_CACHE_MAX_ENTRIES,
    });
    this.decisions = new DecisionCounter(
      registry,
      'portico_edge_iam_decisions_total',
      'AWS_IAM decisions by where the signing key came from (cache, auth) and outcome',
    );
    events.on<CredentialChangedEvent>(AUTH_CREDENTIAL_CHANGED, (event) => {
      if (event.change === 'created') this.cache.dropWhere((credential) => credential === null);
      else if (typeof event.accessKeyId === 'string') this.cache.dropId(event.accessKeyId);
    });
    events.onReset(() => this.cache.clear());
  }

  /** Admits the request (setting `r.iamPrincipal`) or says why not; never throws. */
  async authorize(
    r: EdgeRequest,
    stage: CompiledStage,
    options: {
      action?: 'execute-api:Invoke' | 'execute-api:ManageConnections';
      /** The resource when it is not the request's method ARN (a WebSocket route's). */
      arn?: string;
    } = {},
  ): Promise<GatewayError | undefined> {
    const action = options.action ?? 'execute-api:Invoke';
    let body: Buffer;
    try {
      body = await r.body.readAll();
    } catch (err) {
      if (err instanceof PayloadTooLargeError) {
        return GatewayError.of('REQUEST_TOO_LARGE', 'Body over the limit while verifying');
      }
      throw err;
    }
    let source: 'cache' | 'auth' = 'cache';
    let unavailable: Failure | undefined;
    let credential: CachedCredential | undefined;
    const question = r.target.indexOf('?');
    const result = await verifySigV4(
      {
        method: r.httpMethod,
        path: question < 0 ? r.target : r.target.slice(0, question),
        rawQuery: r.rawQuery,
        headers: r.raw.headers,
        body,
      },
      {
        region: this.config.PORTICO_REGION,
        service: SERVICE,
        signingKeyOf: async (scope) => {
          const found = await this.cache.verdict(cacheKey(scope), () =>
            this.fetch(scope, r.requestId),
          );
          if (!found.cached) source = 'auth';
          if (isFailure(found.verdict)) {
            unavailable = found.verdict;
            return undefined;
          }
          // A disabled credential is refused as an unknown one is, as IAM does.
          credential = found.verdict?.enabled ? found.verdict : undefined;
          return credential?.signingKey;
        },
      },
    );
    if (unavailable) {
      this.decisions.inc(source, 'unavailable');
      return new GatewayError(
        'DEFAULT_5XX',
        503,
        'Service Unavailable',
        `Signing key lookup: ${unavailable.error.message}`,
      );
    }
    if (!result.ok || !credential) {
      this.decisions.inc(source, 'unauthenticated');
      return signatureRefusal(result.ok ? undefined : result);
    }
    const arn = options.arn ?? requestArn(r, stage, this.config.PORTICO_REGION);
    const identity = evaluatePolicies(credential.policies, {
      action,
      resource: arn,
      context: { 'aws:SourceIp': r.sourceIp },
    });
    // API Gateway, same account: an explicit Deny in either policy refuses; else an Allow in
    // either admits (a resource policy may grant a caller no identity policy names).
    // Resource policies govern Invoke only; managing connections is for identity policies.
    const resource =
      action === 'execute-api:Invoke'
        ? resourcePolicyDecision(r, stage, arn, credential.userArn)
        : undefined;
    const explicitDeny = identity === 'Deny' || resource === 'Deny';
    if (explicitDeny || (identity !== 'Allow' && resource !== 'Allow')) {
      this.decisions.inc(source, 'denied');
      return notAuthorized(
        credential.userArn,
        action,
        arn,
        explicitDeny,
        `Neither ${credential.accessKeyId}'s policies nor the resource policy allow ${arn}`,
      );
    }
    this.decisions.inc(source, 'allowed');
    r.iamPrincipal = { accessKeyId: credential.accessKeyId, userArn: credential.userArn };
    return undefined;
  }

  private async fetch(
    scope: CredentialScope,
    requestId: string,
  ): Promise<CachedCredential | null | Failure> {
    const reply = await callService<SigningKeyReply>(
      this.nc ?? undefined,
      AUTH_CREDENTIAL_SIGNING_KEY,
      encodeJson(scope satisfies SigningKeyRequest),
      { timeoutMs: this.config.AUTH_TIMEOUT_MS, service: 'the auth service', requestId },
    );
    if (!reply.ok) return reply;
    const found = reply.credential;
    if (!found) return null;
    return {
      accessKeyId: found.accessKeyId,
      enabled: found.enabled,
      userArn: found.userArn,
      signingKey: Buffer.from(found.signingKey, 'base64'),
      // The service checked them when they were stored; one that no longer parses allows nothing.
      policies: found.policies.flatMap((policy) => {
        try {
          return [parsePolicy(policy)];
        } catch {
          return [];
        }
      }),
    };
  }
}

function cacheKey(scope: CredentialScope): string {
  return [scope.accessKeyId, scope.date, scope.region, scope.service].join('\0');
}

/** API Gateway's answers to a request that fails SigV4: 403 with the verifier's message. */
function signatureRefusal(failure: SigV4Failure | undefined): GatewayError {
  if (!failure) {
    return new GatewayError(
      'INVALID_SIGNATURE',
      403,
      'The security token included in the request is invalid.',
      'Unknown or disabled access key id',
    );
  }
  const type =
    failure.type === 'MissingAuthenticationTokenException'
      ? 'MISSING_AUTHENTICATION_TOKEN'
      : failure.message.startsWith('Signature expired')
        ? 'EXPIRED_TOKEN'
        : 'INVALID_SIGNATURE';
  return new GatewayError(type, 403, failure.message, `SigV4: ${failure.type}`);
}

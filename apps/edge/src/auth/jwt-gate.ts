import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { JwtAuthorizer, JwtIssuer, Method } from '@portico/definitions';
import {
  type Failure,
  failure,
  METRICS_REGISTRY,
  PINO_LOGGER,
  type PinoLogger,
} from '@portico/platform';
import {
  createLocalJWKSet,
  decodeJwt,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import type { Registry } from 'prom-client';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import type { EdgeRequest } from '../pipeline/edge-request';
import { GatewayError } from '../responses/gateway-error';
import type { CompiledStage } from '../stages/compiled-stage';
import { DecisionCounter } from './decision-counter';
import { DecisionCache, isFailure } from './decision-cache';
import { JwksUnavailable, RemoteJwks } from './remote-jwks';

/** What a verified token says, kept until its TTL or `exp`, whichever is first. */
export interface VerifiedToken {
  principalId: string;
  /** Every claim as a string, as API Gateway gives a Cognito authorizer's claims to integrations. */
  claims: Record<string, string>;
  /** `scope` (space-separated) or `scp`. */
  scopes: string[];
  /** Cognito's `token_use`: `id` or `access`. */
  tokenUse?: string;
  ttlMs: number;
}

/** A token that is not good, and why (for the log; the caller sees 401 Unauthorized). */
interface TokenRefusal {
  refused: string;
}

/** Distinct key set URLs whose fetched keys are kept; past it the oldest is dropped. */
const MAX_REMOTE_KEY_SETS = 1000;
const MAX_KEY_SET_BYTES = 1024 * 1024;

/**
 * JWT authorizers (`JWT`, as HTTP APIs have them, and `COGNITO_USER_POOLS`) on REST methods. The
 * token comes from the authorizer's header (`Bearer ` optional); jose verifies it against the
 * issuer's keys with the authorizer's algorithm allowlist (never the token's choice: `none`, an
 * HMAC over a public key, an embedded `jwk` or a `jku` get nowhere), its issuer, `exp` required,
 * `nbf` and `iat` within the clock skew; then the audience (`aud`, or `client_id` when there is
 * no `aud`) and the method's scopes (any one of them). A verified token is remembered by its hash
 * for the authorizer's TTL but never past its `exp`, so a warm request costs no signature check.
 *
 * Answers as API Gateway: no token or a bad one, 401 Unauthorized; a Cognito method whose scopes
 * the token lacks, 401 (REST); a JWT method, 403 Forbidden (HTTP APIs); keys that cannot be
 * fetched, 500 (AUTHORIZER_FAILURE) — never a 200, never a 401 that blames the caller for it.
 */
@Injectable()
export class JwtGate {
  private readonly cache: DecisionCache<VerifiedToken | TokenRefusal>;
  private readonly remote = new Map<string, RemoteJwks>();
  private readonly local = new WeakMap<JwtIssuer, JWTVerifyGetKey>();
  private readonly decisions: DecisionCounter;

  constructor(
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    @Inject(PINO_LOGGER) private readonly logger: PinoLogger,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.cache = new DecisionCache({
      ttlMs: (verdict) => ('refused' in verdict ? 0 : verdict.ttlMs),
      maxEntries: config.API_KEY_CACHE_MAX_ENTRIES,
    });
    this.decisions = new DecisionCounter(
      registry,
      'portico_edge_jwt_decisions_total',
      'JWT authorizer decisions by where they came from (cache, verified) and outcome',
    );
  }

  /** Admits the request (setting `r.authorizer`) or says why not; never throws. */
  async authorize(
    r: EdgeRequest,
    stage: CompiledStage,
    method: Method,
  ): Promise<GatewayError | undefined> {
    const authorizer = stage.jwtAuthorizers.get(method.authorizerName ?? '');
    if (!authorizer || authorizer.type !== method.authorizationType) {
      return GatewayError.of(
        'AUTHORIZER_CONFIGURATION_ERROR',
        `Authorizer ${method.authorizerName} is not a ${method.authorizationType} authorizer of this deployment`,
      );
    }
    const token = bearerToken(r.headers[authorizer.tokenHeader]?.at(-1));
    if (!token) return GatewayError.of('UNAUTHORIZED', `No token for ${authorizer.name}`);
    const verify = () => this.verify(authorizer, token);
    // TTL 0: verified for this request alone. Otherwise by token within this deployment.
    const { verdict, cached } =
      authorizer.resultTtlSeconds === 0
        ? { verdict: await verify(), cached: false }
        : await this.cache.verdict(
            [stage.apiId, stage.stageName, stage.deploymentId, authorizer.name, token].join('\0'),
            verify,
          );
    const source = cached ? 'cache' : 'verified';
    if (isFailure(verdict)) {
      this.decisions.inc(source, 'failed');
      this.logger.warn(
        { requestId: r.requestId, authorizer: authorizer.name, problem: verdict.error.message },
        'JWT authorizer failed',
      );
      return GatewayError.of('AUTHORIZER_FAILURE', verdict.error.message);
    }
    if ('refused' in verdict) {
      this.decisions.inc(source, 'unauthorized');
      return GatewayError.of('UNAUTHORIZED', `${authorizer.name}: ${verdict.refused}`);
    }
    const lacking = scopeProblem(authorizer, verdict, method.authorizationScopes ?? []);
    if (lacking) {
      this.decisions.inc(source, 'forbidden');
      return authorizer.type === 'JWT'
        ? GatewayError.of('ACCESS_DENIED', `${authorizer.name}: ${lacking}`)
        : GatewayError.of('UNAUTHORIZED', `${authorizer.name}: ${lacking}`);
    }
    this.decisions.inc(source, 'allowed');
    r.authorizer = { principalId: verdict.principalId, context: {}, claims: verdict.claims };
    return undefined;
  }

  private async verify(
    authorizer: JwtAuthorizer,
    token: string,
  ): Promise<VerifiedToken | TokenRefusal | Failure> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      return { refused: 'not a JWT' };
    }
    // The unverified `iss` only picks whose keys to try; jwtVerify checks it again.
    const issuer = authorizer.issuers.find((i) => i.issuer === unverified.iss);
    if (!issuer) return { refused: `issuer ${JSON.stringify(unverified.iss)} is not accepted` };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keysOf(issuer), {
        algorithms: authorizer.algorithms,
        issuer: issuer.issuer,
        clockTolerance: authorizer.clockSkewSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      if (err instanceof JwksUnavailable) return failure('Unavailable', err.message);
      if (err instanceof errors.JOSEError) return { refused: `${err.code}: ${err.message}` };
      return failure('FunctionError', `Verifying a token failed: ${String(err)}`);
    }
    const now = Date.now() / 1000;
    if (typeof payload.iat === 'number' && payload.iat > now + authorizer.clockSkewSeconds) {
      return { refused: 'iat is in the future' };
    }
    if (authorizer.audiences.length > 0 && !audienceMatches(payload, authorizer.audiences)) {
      return { refused: 'audience not accepted' };
    }
    const ttlMs = Math.min(authorizer.resultTtlSeconds * 1000, payload.exp! * 1000 - Date.now());
    return {
      principalId: typeof payload.sub === 'string' ? payload.sub : '',
      claims: stringClaims(payload),
      scopes: scopesOf(payload),
      ...(typeof payload.token_use === 'string' ? { tokenUse: payload.token_use } : {}),
      ttlMs,
    };
  }

  private keysOf(issuer: JwtIssuer): JWTVerifyGetKey {
    if (issuer.jwks) {
      let keys = this.local.get(issuer);
      if (!keys) this.local.set(issuer, (keys = inlineKeys(issuer.jwks as JSONWebKeySet)));
      return keys;
    }
    // Without a key set URL, the issuer's OpenID configuration names it.
    const source = issuer.jwksUri ?? { discover: issuer.issuer };
    const url = issuer.jwksUri ?? `discover:${issuer.issuer}`;
    let remote = this.remote.get(url);
    if (!remote) {
      remote = new RemoteJwks(source, {
        timeoutMs: this.config.JWKS_FETCH_TIMEOUT_MS,
        cooldownMs: this.config.JWKS_COOLDOWN_MS,
        maxAgeMs: this.config.JWKS_MAX_AGE_MS,
        maxBytes: MAX_KEY_SET_BYTES,
      });
      this.remote.set(url, remote);
      const oldest = this.remote.keys().next().value;
      if (this.remote.size > MAX_REMOTE_KEY_SETS && oldest !== undefined)
        this.remote.delete(oldest);
    }
    return remote.getKey;
  }
}

/**
 * Inline keys: jose's local set for public keys; for shared secrets (jose's sets take none), the
 * one whose `kid` the token names, or the only one when it names none.
 */
function inlineKeys(jwks: JSONWebKeySet): JWTVerifyGetKey {
  if (!jwks.keys.every((key) => key.kty === 'oct')) return createLocalJWKSet(jwks);
  const secrets = jwks.keys.map((key) => ({
    kid: key.kid,
    key: createSecretKey(Buffer.from(key.k ?? '', 'base64url')),
  }));
  return (header) => {
    const found =
      header.kid === undefined
        ? secrets.length === 1
          ? secrets[0]
          : undefined
        : secrets.find((s) => s.kid === header.kid);
    if (!found) throw new errors.JWKSNoMatchingKey();
    return found.key;
  };
}

/** The token from the header: the value itself or after `Bearer `. */
function bearerToken(value: string | undefined): string | undefined {
  const token = value?.replace(/^bearer\s+/i, '').trim();
  return token || undefined;
}

/** `aud` names one of them; without `aud`, an access token's `client_id` does (as HTTP APIs). */
function audienceMatches(payload: JWTPayload, audiences: string[]): boolean {
  if (payload.aud !== undefined) {
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return aud.some((a) => audiences.includes(a));
  }
  return typeof payload.client_id === 'string' && audiences.includes(payload.client_id);
}

function scopesOf(payload: JWTPayload): string[] {
  const value = payload.scope ?? payload.scp;
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];
}

/**
 * Why the token does not serve this method, or undefined when it does. Any one of the method's
 * scopes is enough. Cognito on REST APIs: a method with scopes takes access tokens, one without
 * takes ID tokens (`token_use`).
 */
function scopeProblem(
  authorizer: JwtAuthorizer,
  token: VerifiedToken,
  required: string[],
): string | undefined {
  if (authorizer.type === 'COGNITO_USER_POOLS' && token.tokenUse !== undefined) {
    const wanted = required.length > 0 ? 'access' : 'id';
    if (token.tokenUse !== wanted) return `a ${token.tokenUse} token where ${wanted} is needed`;
  }
  if (required.length > 0 && !required.some((s) => token.scopes.includes(s))) {
    return `the token has none of the scopes ${required.join(', ')}`;
  }
  return undefined;
}

/** Claims as strings: numbers and booleans as written, arrays and objects as JSON. */
function stringClaims(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    claims[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return claims;
}

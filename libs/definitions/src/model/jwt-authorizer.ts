import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { DEFAULT_AUTHORIZER_TTL_SECONDS, MAX_AUTHORIZER_TTL_SECONDS } from './authorizer';

/**
 * JWT authorizers: `type: jwt` (as HTTP APIs declare them, `jwtConfiguration`) and
 * `type: cognito_user_pools` (REST APIs, `providerARNs`), both verified at the edge against an
 * issuer's keys. Portico's own settings sit beside AWS's in `x-portico-jwt` on the security
 * scheme: where the keys come from when the issuer's are not at the usual place, the algorithm
 * allowlist, the clock skew.
 */
export type JwtAuthorizerType = 'JWT' | 'COGNITO_USER_POOLS';

/** The Portico extension on a security scheme. */
export const JWT_EXTENSION = 'x-portico-jwt';

export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'HS256',
  'HS384',
  'HS512',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export const DEFAULT_JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['RS256'];
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** An inline key set larger than this is a mistake, not a key set. */
const MAX_INLINE_KEYS = 100;
/** RFC 7518 §3.2: an HMAC key at least as long as the hash; 32 bytes for HS256 and up. */
const MIN_HMAC_KEY_BYTES = 32;

export interface JsonWebKeySet {
  keys: JsonWebKey[];
}

/** One accepted issuer (`iss`) and where its signing keys come from: a URL or inline. */
export interface JwtIssuer {
  issuer: string;
  /** Absent with `jwks` absent too: found by OpenID discovery from the issuer, as AWS does. */
  jwksUri?: string;
  jwks?: JsonWebKeySet;
}

export interface JwtAuthorizer {
  /** The security scheme's name, which methods name in `security`. */
  name: string;
  type: JwtAuthorizerType;
  /** The request header the token is read from, lower case (`Bearer ` before it is optional). */
  tokenHeader: string;
  /** A token's `iss` picks one; Cognito may list several user pools. */
  issuers: JwtIssuer[];
  /** `aud` (or an access token's `client_id`) must name one; empty: not checked (Cognito only). */
  audiences: string[];
  /** Fixed here, never taken from a token. */
  algorithms: JwtAlgorithm[];
  clockSkewSeconds: number;
  /** How long a verified token is remembered (never past its `exp`); 0 = verified every time. */
  resultTtlSeconds: number;
}

const JWT_TYPES: Record<string, JwtAuthorizerType> = {
  jwt: 'JWT',
  cognito_user_pools: 'COGNITO_USER_POOLS',
};
const EXTENSION_FIELDS = [
  'issuer',
  'jwksUri',
  'jwks',
  'audiences',
  'algorithms',
  'clockSkewSeconds',
] as const;
const COGNITO_ARN = /^arn:aws[a-z-]*:cognito-idp:([a-z0-9-]+):(\d+):userpool\/([A-Za-z0-9_-]+)$/;
const HEADER_SOURCE =
  /^(?:\$request\.header\.|method\.request\.header\.)([!#$%&'*+.^_`|~0-9A-Za-z-]+)$/;

/** Thrown inside the reader; its message is what import shows. */
class Refusal extends Error {}

/**
 * The JWT authorizer a security scheme declares, or a string saying why it cannot be one (import
 * refuses it). `scheme` is the OpenAPI security scheme object.
 */
export function readJwtAuthorizer(
  name: string,
  scheme: Record<string, unknown>,
): JwtAuthorizer | string {
  try {
    return read(name, scheme);
  } catch (err) {
    if (err instanceof Refusal) return err.message;
    throw err;
  }
}

function read(name: string, scheme: Record<string, unknown>): JwtAuthorizer {
  const ext = scheme['x-amazon-apigateway-authorizer'];
  if (!isRecord(ext)) throw new Refusal('no x-amazon-apigateway-authorizer');
  const type = JWT_TYPES[String(ext.type ?? '').toLowerCase()];
  if (!type) throw new Refusal(`type ${String(ext.type)} is not a JWT authorizer`);
  const portico = readExtension(scheme[JWT_EXTENSION]);
  const algorithms = readAlgorithms(portico.algorithms);
  const issuers = type === 'JWT' ? jwtIssuers(ext, portico) : cognitoIssuers(ext, portico);
  for (const issuer of issuers) checkKeySource(issuer, algorithms);
  const audiences = readAudiences(type, ext, portico);
  const skew = portico.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (!isIntegerIn(skew, 0, MAX_CLOCK_SKEW_SECONDS)) {
    throw new Refusal(
      `${JWT_EXTENSION}.clockSkewSeconds must be an integer from 0 to ${MAX_CLOCK_SKEW_SECONDS}`,
    );
  }
  const ttl = ext.authorizerResultTtlInSeconds ?? DEFAULT_AUTHORIZER_TTL_SECONDS;
  if (!isIntegerIn(ttl, 0, MAX_AUTHORIZER_TTL_SECONDS)) {
    throw new Refusal(
      `authorizerResultTtlInSeconds must be an integer from 0 to ${MAX_AUTHORIZER_TTL_SECONDS}`,
    );
  }
  return {
    name,
    type,
    tokenHeader: tokenHeader(scheme, ext),
    issuers,
    audiences,
    algorithms,
    clockSkewSeconds: skew as number,
    resultTtlSeconds: ttl as number,
  };
}

type Extension = Partial<Record<(typeof EXTENSION_FIELDS)[number], unknown>>;

function readExtension(value: unknown): Extension {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new Refusal(`${JWT_EXTENSION} must be an object`);
  const unknown = Object.keys(value).find(
    (k) => !(EXTENSION_FIELDS as readonly string[]).includes(k),
  );
  if (unknown !== undefined) {
    throw new Refusal(
      `${JWT_EXTENSION}.${unknown} is not a setting (${EXTENSION_FIELDS.join(', ')})`,
    );
  }
  return value;
}

function readAlgorithms(value: unknown): JwtAlgorithm[] {
  if (value === undefined) return [...DEFAULT_JWT_ALGORITHMS];
  if (!Array.isArray(value) || value.length === 0) {
    throw new Refusal(`${JWT_EXTENSION}.algorithms must be a non-empty list`);
  }
  const algorithms: JwtAlgorithm[] = [];
  for (const alg of value) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      throw new Refusal(`${JWT_EXTENSION}.algorithms: "none" is never accepted`);
    }
    if (!(JWT_ALGORITHMS as readonly unknown[]).includes(alg)) {
      throw new Refusal(
        `${JWT_EXTENSION}.algorithms: ${JSON.stringify(alg)} is not one of ${JWT_ALGORITHMS.join(', ')}`,
      );
    }
    if (!algorithms.includes(alg as JwtAlgorithm)) algorithms.push(alg as JwtAlgorithm);
  }
  const hmac = algorithms.filter(isHmac);
  if (hmac.length > 0 && hmac.length < algorithms.length) {
    // A key set that serves both is how "HS256 signed with the RSA public key" gets in.
    throw new Refusal(
      `${JWT_EXTENSION}.algorithms mixes HMAC (HS*) with public-key algorithms; choose one kind`,
    );
  }
  return algorithms;
}

function jwtIssuers(ext: Record<string, unknown>, portico: Extension): JwtIssuer[] {
  const config = ext.jwtConfiguration;
  if (config !== undefined && !isRecord(config)) {
    throw new Refusal('jwtConfiguration must be an object');
  }
  const issuer = agreed(config?.issuer, portico.issuer, 'jwtConfiguration.issuer', 'issuer');
  if (issuer === undefined) throw new Refusal('jwtConfiguration.issuer is required');
  const url = readUrl(issuer, 'jwtConfiguration.issuer');
  return [{ issuer: url, ...keySource(portico, url) }];
}

/** Each user pool is the issuer `https://cognito-idp.{region}.amazonaws.com/{poolId}`. */
function cognitoIssuers(ext: Record<string, unknown>, portico: Extension): JwtIssuer[] {
  const arns = ext.providerARNs;
  if (!Array.isArray(arns) || arns.length === 0) {
    throw new Refusal('providerARNs must list the Cognito user pools');
  }
  const pools = arns.map((arn) => {
    const match = typeof arn === 'string' ? COGNITO_ARN.exec(arn) : null;
    if (!match) {
      throw new Refusal(
        `providerARNs: ${JSON.stringify(arn)} is not a user pool ARN (arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}; stage variables are not resolved)`,
      );
    }
    return `https://cognito-idp.${match[1]}.amazonaws.com/${match[3]}`;
  });
  const overrides = ['issuer', 'jwksUri', 'jwks'].filter(
    (k) => portico[k as keyof Extension] !== undefined,
  );
  if (overrides.length === 0) {
    return [...new Set(pools)].map((issuer) => ({
      issuer,
      jwksUri: `${issuer}/.well-known/jwks.json`,
    }));
  }
  if (pools.length !== 1) {
    throw new Refusal(
      `${JWT_EXTENSION}.${overrides[0]} stands in for one user pool; providerARNs lists ${pools.length}`,
    );
  }
  const issuer =
    portico.issuer === undefined ? pools[0]! : readUrl(portico.issuer, `${JWT_EXTENSION}.issuer`);
  const source = keySource(portico, issuer);
  return [
    {
      issuer,
      ...(source.jwks || source.jwksUri
        ? source
        : { jwksUri: `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json` }),
    },
  ];
}

/** `jwksUri` or inline `jwks`; with neither, Cognito issuers publish theirs at a known path. */
function keySource(portico: Extension, issuer: string): Omit<JwtIssuer, 'issuer'> {
  if (portico.jwksUri !== undefined && portico.jwks !== undefined) {
    throw new Refusal(`${JWT_EXTENSION}: give jwksUri or jwks, not both`);
  }
  if (portico.jwksUri !== undefined) {
    return { jwksUri: readUrl(portico.jwksUri, `${JWT_EXTENSION}.jwksUri`) };
  }
  if (portico.jwks !== undefined) return { jwks: readJwks(portico.jwks) };
  if (/^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/[A-Za-z0-9_-]+$/.test(issuer)) {
    return { jwksUri: `${issuer}/.well-known/jwks.json` };
  }
  return {};
}

function checkKeySource(issuer: JwtIssuer, algorithms: JwtAlgorithm[]): void {
  const hmac = algorithms.every(isHmac);
  // Neither: the edge finds the keys by OpenID discovery ({issuer}/.well-known/openid-configuration).
  if (hmac && !issuer.jwks) {
    throw new Refusal(
      `HMAC algorithms need the shared secret inline (${JWT_EXTENSION}.jwks with kty "oct" keys), never from a URL`,
    );
  }
  for (const key of issuer.jwks?.keys ?? []) {
    if ((key.kty === 'oct') !== hmac) {
      throw new Refusal(
        hmac
          ? `${JWT_EXTENSION}.jwks: HMAC algorithms take kty "oct" keys only`
          : `${JWT_EXTENSION}.jwks: a kty "oct" (shared secret) key does not go with ${algorithms.join(', ')}`,
      );
    }
  }
}

function readJwks(value: unknown): JsonWebKeySet {
  const at = `${JWT_EXTENSION}.jwks`;
  if (!isRecord(value) || !Array.isArray(value.keys) || value.keys.length === 0) {
    throw new Refusal(`${at} must be a JSON Web Key Set: {"keys": [ … ]}`);
  }
  if (value.keys.length > MAX_INLINE_KEYS) {
    throw new Refusal(`${at} holds more than ${MAX_INLINE_KEYS} keys`);
  }
  const keys = value.keys.map((key, i) => {
    if (!isRecord(key) || typeof key.kty !== 'string') {
      throw new Refusal(`${at}.keys[${i}] is not a JSON Web Key (no kty)`);
    }
    if (key.kty === 'oct') {
      const bytes = typeof key.k === 'string' ? Buffer.from(key.k, 'base64url').length : 0;
      if (bytes < MIN_HMAC_KEY_BYTES) {
        throw new Refusal(
          `${at}.keys[${i}]: an HMAC key needs k of at least ${MIN_HMAC_KEY_BYTES} bytes`,
        );
      }
      return key as JsonWebKey;
    }
    if (key.d !== undefined) {
      throw new Refusal(`${at}.keys[${i}] is a private key; give the public key only`);
    }
    try {
      createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
    } catch (err) {
      throw new Refusal(`${at}.keys[${i}] is not a usable public key: ${(err as Error).message}`);
    }
    return key as JsonWebKey;
  });
  return { keys };
}

function readAudiences(
  type: JwtAuthorizerType,
  ext: Record<string, unknown>,
  portico: Extension,
): string[] {
  const config = isRecord(ext.jwtConfiguration) ? ext.jwtConfiguration : {};
  const value = agreed(
    config.audience,
    portico.audiences,
    'jwtConfiguration.audience',
    'audiences',
  );
  if (value === undefined) {
    // Cognito on REST APIs takes any app client of the pool; an HTTP API JWT authorizer must name one.
    if (type === 'JWT')
      throw new Refusal('jwtConfiguration.audience must list at least one audience');
    return [];
  }
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((a) => typeof a === 'string' && a !== '')
  ) {
    throw new Refusal('audiences must be a non-empty list of strings');
  }
  return [...new Set(value as string[])];
}

/** The one header the token comes from: `identitySource`, else the scheme's header, else Authorization. */
function tokenHeader(scheme: Record<string, unknown>, ext: Record<string, unknown>): string {
  const declared = Array.isArray(ext.identitySource) ? ext.identitySource : [ext.identitySource];
  const sources = declared
    .filter((s) => s !== undefined)
    .flatMap((s) => String(s).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (sources.length === 0) {
    return typeof scheme.name === 'string' && scheme.in === 'header'
      ? scheme.name.toLowerCase()
      : 'authorization';
  }
  const match = sources.length === 1 ? HEADER_SOURCE.exec(sources[0]!) : null;
  if (!match) {
    throw new Refusal(
      `identitySource must name one header ($request.header.X or method.request.header.X); got ${JSON.stringify(sources.join(', '))}`,
    );
  }
  return match[1]!.toLowerCase();
}

/** A value AWS's field and Portico's may both give: they must not disagree. */
function agreed(aws: unknown, portico: unknown, awsName: string, porticoName: string): unknown {
  if (
    aws !== undefined &&
    portico !== undefined &&
    JSON.stringify(aws) !== JSON.stringify(portico)
  ) {
    throw new Refusal(`${awsName} and ${JWT_EXTENSION}.${porticoName} disagree`);
  }
  return aws ?? portico;
}

function readUrl(value: unknown, at: string): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new Refusal(`${at} ${JSON.stringify(value)} is not a URL`);
  }
  if (typeof value !== 'string' || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new Refusal(`${at} ${JSON.stringify(value)} is not an http(s) URL`);
  }
  return value;
}

function isHmac(alg: JwtAlgorithm): boolean {
  return alg.startsWith('HS');
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

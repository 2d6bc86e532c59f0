import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from 'node:crypto';
import { getCanonicalHeaders, SignatureV4Base } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';

/** A request as it arrived, for verifying its Signature Version 4 `Authorization` header. */
export interface SignedRequest {
  method: string;
  /** The path exactly as sent (still percent-encoded), without the query. */
  path: string;
  /** The query string exactly as sent, without `?`. */
  rawQuery: string;
  /** Lower-cased names; repeated headers as arrays. */
  headers: Record<string, string | string[] | undefined>;
  body?: Uint8Array;
}

/** The scope a signature was made for: its date (YYYYMMDD), region and service. */
export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

interface VerifyBase {
  region: string;
  service: string;
  now?: Date;
  /** How far the request's time may be from now (AWS: 5 minutes). */
  maxSkewMs?: number;
}

/** Where the verifier gets keys: the secrets themselves, or signing keys derived elsewhere. */
export type VerifyOptions = VerifyBase &
  (
    | {
        /** The secret of an access key id, or undefined for a key that is not known. */
        secretOf(accessKeyId: string): string | undefined;
      }
    | {
        /**
         * The signing key (deriveSigningKey) of an access key id for a scope, or undefined for
         * a key that is not known: for a verifier that must never hold the secret.
         */
        signingKeyOf(scope: CredentialScope): Promise<Uint8Array | undefined>;
      }
  );

/** AWS's error for a request that fails authentication: its type, status and message. */
export interface SigV4Failure {
  ok: false;
  type:
    | 'MissingAuthenticationTokenException'
    | 'IncompleteSignatureException'
    | 'InvalidSignatureException'
    | 'UnrecognizedClientException';
  status: number;
  message: string;
}

export type SigV4Result = { ok: true; accessKeyId: string } | SigV4Failure;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const DEFAULT_SKEW_MS = 5 * 60_000;
const AMZ_DATE = /^(\d{8})T\d{6}Z$/;

const incomplete = (message: string): SigV4Failure => ({
  ok: false,
  type: 'IncompleteSignatureException',
  status: 400,
  message,
});
const invalid = (message: string): SigV4Failure => ({
  ok: false,
  type: 'InvalidSignatureException',
  status: 403,
  message,
});

/** The longest a presigned request may be valid (AWS: 7 days). */
const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;

/**
 * Verifies a request's Signature Version 4, in either form the AWS SDKs and CLI make: the
 * `Authorization` header, or a presigned query string (`X-Amz-Signature` and friends). In
 * order: the credential scope (date, region, service), the time (within `maxSkewMs` for a
 * header, within `X-Amz-Expires` for a presigned request), the body against
 * `x-amz-content-sha256` when signed, and the signature itself — the canonical request built by
 * @smithy/signature-v4 over exactly the headers the client signed, signed with the scope's key
 * and compared in constant time. Failures carry AWS's error type, status and message.
 */
export async function verifySigV4(
  req: SignedRequest,
  options: VerifyOptions,
): Promise<SigV4Result> {
  const parsed = readSignature(req);
  if (!parsed.ok) return parsed;
  const { accessKeyId, scopeDate, region, service, terminator, signedHeaders, signature, amzDate } =
    parsed;
  if (!signedHeaders.includes('host')) {
    return incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const dateMatch = AMZ_DATE.exec(amzDate);
  if (!dateMatch) {
    return incomplete(
      "Authorization header requires existence of a valid 'X-Amz-Date' header (YYYYMMDD'T'HHMMSS'Z').",
    );
  }
  if (scopeDate !== dateMatch[1]) {
    return invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${dateMatch[1]}', from '${amzDate}'.`,
    );
  }
  if (region !== options.region) {
    return invalid(`Credential should be scoped to a valid region, not '${region}'.`);
  }
  if (service !== options.service) {
    return invalid(`Credential should be scoped to correct service: '${options.service}'.`);
  }
  if (terminator !== 'aws4_request') {
    return invalid(
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`,
    );
  }
  const signedAt = parseAmzDate(amzDate);
  if (Number.isNaN(signedAt.getTime()) || formatAmzDate(signedAt) !== amzDate) {
    return incomplete(`X-Amz-Date ${amzDate} is not a date (YYYYMMDD'T'HHMMSS'Z').`);
  }
  const late = checkTime(signedAt, parsed.expiresSeconds, options);
  if (late) return late;

  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of signedHeaders) {
    // Own properties only: `SignedHeaders=constructor` must not find Object.prototype's.
    const value = Object.hasOwn(req.headers, name) ? req.headers[name] : undefined;
    if (typeof value !== 'string' && !Array.isArray(value)) {
      return invalid(`The signed header '${name}' is missing.`);
    }
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const body = req.body ?? new Uint8Array(0);
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const declaredHash = headers['x-amz-content-sha256'];
  if (declaredHash !== undefined && declaredHash !== bodyHash) {
    return invalid('The provided x-amz-content-sha256 header does not match what was computed.');
  }

  const key = await signingKey(options, { accessKeyId, date: scopeDate, region, service });
  if (key === undefined) {
    return {
      ok: false,
      type: 'UnrecognizedClientException',
      status: 403,
      message: 'The security token included in the request is invalid.',
    };
  }
  const stringToSign = await (canonical ??= new CanonicalRequests()).stringToSign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: req.path,
      query: parseQuery(req.rawQuery),
      headers,
      body,
    },
    new Set(signedHeaders),
    bodyHash,
    amzDate,
    `${scopeDate}/${region}/${service}/aws4_request`,
  );
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  if (!sameText(expected, signature)) {
    return invalid(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return { ok: true, accessKeyId };
}

/**
 * The key a scope's signatures are made with: HMAC-SHA256 of the secret (prefixed `AWS4`) over
 * the date, the region, the service and `aws4_request`, in turn. It is valid for that day,
 * region and service only, so a verifier may hold it without holding the secret.
 */
export function deriveSigningKey(
  secret: string,
  scope: Omit<CredentialScope, 'accessKeyId'>,
): Buffer {
  let key: Buffer = Buffer.from(`AWS4${secret}`);
  for (const part of [scope.date, scope.region, scope.service, 'aws4_request']) {
    key = createHmac('sha256', key).update(part).digest();
  }
  return key;
}

function signingKey(
  options: VerifyOptions,
  scope: CredentialScope,
): Promise<Uint8Array | undefined> | Uint8Array | undefined {
  if ('signingKeyOf' in options) return options.signingKeyOf(scope);
  const secret = options.secretOf(scope.accessKeyId);
  return secret === undefined ? undefined : deriveSigningKey(secret, scope);
}

/** A header signature within the skew of now; a presigned one from its date until it expires. */
function checkTime(
  signedAt: Date,
  expiresSeconds: number | undefined,
  options: VerifyOptions,
): SigV4Failure | undefined {
  const now = options.now ?? new Date();
  const skew = options.maxSkewMs ?? DEFAULT_SKEW_MS;
  const amzDate = formatAmzDate(signedAt);
  const minutes = `${Math.round(skew / 60_000)} min.`;
  if (signedAt.getTime() > now.getTime() + skew) {
    return invalid(
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(new Date(now.getTime() + skew))} (${formatAmzDate(now)} + ${minutes})`,
    );
  }
  if (expiresSeconds === undefined) {
    if (signedAt.getTime() < now.getTime() - skew) {
      return invalid(
        `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(new Date(now.getTime() - skew))} (${formatAmzDate(now)} - ${minutes})`,
      );
    }
    return undefined;
  }
  const until = new Date(signedAt.getTime() + expiresSeconds * 1000);
  if (until.getTime() < now.getTime()) {
    return invalid(
      `Signature expired: ${formatAmzDate(until)} is now earlier than ${formatAmzDate(now)} (${amzDate} + ${expiresSeconds} sec.)`,
    );
  }
  return undefined;
}

/**
 * The canonical request and string to sign, exactly as @smithy/signature-v4 builds them when it
 * signs, for a signature made with a key rather than a secret.
 */
class CanonicalRequests extends SignatureV4Base {
  constructor() {
    super({
      credentials: { accessKeyId: '', secretAccessKey: '' },
      region: '',
      service: '',
      sha256: NodeSha256,
      uriEscapePath: true,
    });
  }

  stringToSign(
    request: HttpRequest,
    signedHeaders: Set<string>,
    payloadHash: string,
    amzDate: string,
    scope: string,
  ): Promise<string> {
    const canonical = getCanonicalHeaders(request, undefined, signedHeaders);
    return this.createStringToSign(
      amzDate,
      scope,
      this.createCanonicalRequest(request, canonical, payloadHash),
      ALGORITHM,
    );
  }
}

let canonical: CanonicalRequests | undefined;

interface ParsedSignature {
  ok: true;
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  /** Set for a presigned request: how long it is valid from its date. */
  expiresSeconds?: number;
}

/** The signature's parts, from the Authorization header or else a presigned query string. */
function readSignature(req: SignedRequest): ParsedSignature | SigV4Failure {
  const authorization = single(req.headers.authorization);
  if (authorization) {
    const parsed = parseFields(authorization);
    if (!parsed.ok) return parsed;
    const amzDate = single(req.headers['x-amz-date']);
    if (!amzDate) {
      return incomplete(
        "Authorization header requires existence of a valid 'X-Amz-Date' header (YYYYMMDD'T'HHMMSS'Z').",
      );
    }
    if (!parsed.signedHeaders.includes('x-amz-date')) {
      return incomplete("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
    }
    // The canonical query leaves X-Amz-Signature out: beside a header signature it would be an
    // unsigned parameter that reaches the integration.
    if (Object.keys(parseQuery(req.rawQuery)).some((k) => k.toLowerCase() === 'x-amz-signature')) {
      return incomplete(
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.',
      );
    }
    return { ...parsed, amzDate };
  }
  const query = new URLSearchParams(req.rawQuery);
  if (!query.has('X-Amz-Signature') && !query.has('X-Amz-Algorithm')) {
    return {
      ok: false,
      type: 'MissingAuthenticationTokenException',
      status: 403,
      message: 'Missing Authentication Token',
    };
  }
  const missing = [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-Expires',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
  ].filter((name) => !query.get(name));
  if (missing.length > 0) {
    return incomplete(
      missing.map((name) => `AWS query-string parameters must include '${name}'.`).join(' '),
    );
  }
  const expires = query.get('X-Amz-Expires')!;
  const expiresSeconds = Number(expires);
  if (!/^\d+$/.test(expires) || expiresSeconds < 1 || expiresSeconds > MAX_PRESIGNED_SECONDS) {
    return incomplete(
      `X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_PRESIGNED_SECONDS}, not '${expires}'.`,
    );
  }
  const parsed = parseFields(
    `${query.get('X-Amz-Algorithm')} Credential=${query.get('X-Amz-Credential')},SignedHeaders=${query.get('X-Amz-SignedHeaders')},Signature=${query.get('X-Amz-Signature')}`,
  );
  if (!parsed.ok) return parsed;
  return { ...parsed, amzDate: query.get('X-Amz-Date')!, expiresSeconds };
}

function parseFields(header: string): Omit<ParsedSignature, 'amzDate'> | SigV4Failure {
  if (!header.startsWith(`${ALGORITHM} `)) {
    return incomplete(`Unsupported AWS 'algorithm': expected '${ALGORITHM}'.`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !fields.get(name));
  if (missing.length > 0) {
    return incomplete(
      missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '),
    );
  }
  const credential = fields.get('Credential')!.split('/');
  const [accessKeyId, scopeDate, region, service, terminator] = credential;
  if (credential.length !== 5 || !accessKeyId || !scopeDate || !region || !service || !terminator) {
    return incomplete(
      "Credential must have the form '<access key id>/<date>/<region>/<service>/aws4_request'.",
    );
  }
  const signedHeaders = fields.get('SignedHeaders')!.split(';');
  if (signedHeaders.some((h) => h === '' || h !== h.toLowerCase())) {
    return incomplete('SignedHeaders must be lower-case header names separated by semicolons.');
  }
  return {
    ok: true,
    accessKeyId,
    scopeDate,
    region,
    service,
    terminator,
    signedHeaders,
    signature: fields.get('Signature')!,
  };
}

/** The query as the signer takes it: decoded names and values, `+` kept as itself. */
function parseQuery(raw: string): Record<string, string | string[]> {
  // No prototype: `__proto__=x` is a parameter like any other, signed or refused.
  const query = Object.create(null) as Record<string, string | string[]>;
  if (raw === '') return query;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(pair.slice(eq + 1));
    const prior = query[name];
    query[name] =
      prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  return query;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseAmzDate(text: string): Date {
  const d = text;
  return new Date(
    `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`,
  );
}

function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function bytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

/** SHA-256, or HMAC-SHA256 with a secret, in the shape @smithy/signature-v4 takes. */
export class NodeSha256 {
  private hash: Hash | Hmac;

  private readonly secret?: string | Uint8Array;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined || typeof secret === 'string' ? secret : bytes(secret);
    this.hash = this.fresh();
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : bytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

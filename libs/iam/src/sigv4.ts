import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

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

export interface VerifyOptions {
  region: string;
  service: string;
  /** The secret of an access key id, or undefined for a key that is not known. */
  secretOf(accessKeyId: string): string | undefined;
  now?: Date;
  /** How far the request's time may be from now (AWS: 5 minutes). */
  maxSkewMs?: number;
}

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

/**
 * Verifies a request's Signature Version 4 (the `Authorization` header form, as the AWS SDKs and
 * CLI sign): the credential scope (date, region, service), the time within `maxSkewMs`, the body
 * against `x-amz-content-sha256` when present, and the signature itself — recomputed with
 * @smithy/signature-v4 over exactly the headers the client signed, and compared in constant
 * time. Failures carry AWS's error type, status and message.
 */
export async function verifySigV4(
  req: SignedRequest,
  options: VerifyOptions,
): Promise<SigV4Result> {
  const authorization = single(req.headers.authorization);
  if (!authorization) {
    return {
      ok: false,
      type: 'MissingAuthenticationTokenException',
      status: 403,
      message: 'Missing Authentication Token',
    };
  }
  const parsed = parseAuthorization(authorization);
  if (!parsed.ok) return parsed;
  const { accessKeyId, scopeDate, region, service, terminator, signedHeaders, signature } = parsed;

  const amzDate = single(req.headers['x-amz-date']);
  const dateMatch = amzDate ? AMZ_DATE.exec(amzDate) : null;
  if (!amzDate || !dateMatch) {
    return incomplete(
      "Authorization header requires existence of a valid 'X-Amz-Date' header (YYYYMMDD'T'HHMMSS'Z').",
    );
  }
  if (!signedHeaders.includes('host')) {
    return incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (!signedHeaders.includes('x-amz-date')) {
    return incomplete("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
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
  const now = options.now ?? new Date();
  const skew = options.maxSkewMs ?? DEFAULT_SKEW_MS;
  const minutes = `${Math.round(skew / 60_000)} min.`;
  if (signedAt.getTime() < now.getTime() - skew) {
    return invalid(
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(new Date(now.getTime() - skew))} (${formatAmzDate(now)} - ${minutes})`,
    );
  }
  if (signedAt.getTime() > now.getTime() + skew) {
    return invalid(
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(new Date(now.getTime() + skew))} (${formatAmzDate(now)} + ${minutes})`,
    );
  }

  const secret = options.secretOf(accessKeyId);
  if (secret === undefined) {
    return {
      ok: false,
      type: 'UnrecognizedClientException',
      status: 403,
      message: 'The security token included in the request is invalid.',
    };
  }

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) return invalid(`The signed header '${name}' is missing.`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const body = req.body ?? new Uint8Array(0);
  const declaredHash = headers['x-amz-content-sha256'];
  if (
    declaredHash !== undefined &&
    declaredHash !== createHash('sha256').update(body).digest('hex')
  ) {
    return invalid('The provided x-amz-content-sha256 header does not match what was computed.');
  }

  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey: secret },
    region,
    service,
    sha256: NodeSha256,
    uriEscapePath: true,
    // Sign exactly what the client signed: no x-amz-content-sha256 of our own (curl omits it).
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: req.path,
      query: parseQuery(req.rawQuery),
      headers,
      body,
    },
    { signingDate: signedAt, signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]+)$/.exec(String(signed.headers.authorization))?.[1] ?? '';
  if (!sameText(expected, signature)) {
    return invalid(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return { ok: true, accessKeyId };
}

type ParsedAuthorization =
  | {
      ok: true;
      accessKeyId: string;
      scopeDate: string;
      region: string;
      service: string;
      terminator: string;
      signedHeaders: string[];
      signature: string;
    }
  | SigV4Failure;

function parseAuthorization(header: string): ParsedAuthorization {
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
  const query: Record<string, string | string[]> = {};
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

import {
  type CachedResponse,
  type CacheFillRequest,
  type CacheInvalidateRequest,
  type CacheLookupRequest,
  type CacheScope,
} from '@portico/contracts';
import { MalformedMessage } from '@portico/platform';

/** Longest entry key, in characters. */
export const MAX_KEY_LENGTH = 1024;
/** How long a miss's fill is its winner's alone when the lookup does not say. */
export const DEFAULT_FILL_LEASE_MS = 10_000;
export const MAX_FILL_LEASE_MS = 30_000;
export const MAX_TTL_SECONDS = 3600;

/**
 * An API id or stage name as it goes into a key: no `/` (it ends the part), no `{`/`}` (they
 * would break the Redis hash tag), no glob characters (they would widen a flush's MATCH).
 */
const NAME = /^[A-Za-z0-9_-]{1,128}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** An entry key split into the stage it belongs to and the rest, which names the entry. */
export interface EntryKey {
  scope: CacheScope;
  rest: string;
}

export interface Lookup {
  key: EntryKey;
  fillLeaseMs: number;
}

export interface Fill {
  key: EntryKey;
  entry: CachedResponse;
  ttlSeconds: number;
}

/** What to drop from one stage: one entry, the entries under a prefix, or all of them. */
export type Invalidation =
  | { scope: CacheScope; key: string; rest: string; kind: 'key' }
  | { scope: CacheScope; prefix: string; rest: string; kind: 'prefix' }
  | { scope: CacheScope; kind: 'stage' };

export function checkLookup(req: CacheLookupRequest): Lookup {
  const body = req as unknown as Record<string, unknown>;
  const lease = body.fillLeaseMs ?? DEFAULT_FILL_LEASE_MS;
  if (
    !Number.isSafeInteger(lease) ||
    (lease as number) < 1 ||
    (lease as number) > MAX_FILL_LEASE_MS
  ) {
    throw new MalformedMessage(`fillLeaseMs must be an integer from 1 to ${MAX_FILL_LEASE_MS}`);
  }
  return { key: checkKey(body.key, 'key'), fillLeaseMs: lease as number };
}

/** Checks a fill's shape; the body's size is the caller's to judge against MAX_ENTRY_BYTES. */
export function checkFill(req: CacheFillRequest): Fill {
  const body = req as unknown as Record<string, unknown>;
  const key = checkKey(body.key, 'key');
  const ttl = body.ttlSeconds;
  if (!Number.isSafeInteger(ttl) || (ttl as number) < 1 || (ttl as number) > MAX_TTL_SECONDS) {
    throw new MalformedMessage(`ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
  }
  return { key, entry: checkEntry(body.entry), ttlSeconds: ttl as number };
}

export function checkInvalidate(req: CacheInvalidateRequest): Invalidation {
  const body = req as unknown as Record<string, unknown>;
  const scope = checkScope(body.scope);
  if (body.key !== undefined && body.prefix !== undefined) {
    throw new MalformedMessage('name a key or a prefix, not both');
  }
  if (body.key !== undefined) {
    const key = checkKey(body.key, 'key', scope);
    return { scope, key: body.key as string, rest: key.rest, kind: 'key' };
  }
  if (body.prefix !== undefined) {
    const prefix = checkKey(body.prefix, 'prefix', scope);
    return { scope, prefix: body.prefix as string, rest: prefix.rest, kind: 'prefix' };
  }
  return { scope, kind: 'stage' };
}

/** `{apiId}/{stage}/…`, within `scope` when one is given. */
export function checkKey(value: unknown, what: string, scope?: CacheScope): EntryKey {
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_KEY_LENGTH) {
    throw new MalformedMessage(`${what} must be a string of 1 to ${MAX_KEY_LENGTH} characters`);
  }
  const [apiId = '', stage = ''] = value.split('/', 2);
  const head = `${apiId}/${stage}/`;
  if (!NAME.test(apiId) || !NAME.test(stage) || !value.startsWith(head)) {
    throw new MalformedMessage(`${what} must start with {apiId}/{stage}/`);
  }
  if (scope && (scope.apiId !== apiId || scope.stage !== stage)) {
    throw new MalformedMessage(`${what} must start with ${scope.apiId}/${scope.stage}/`);
  }
  return { scope: { apiId, stage }, rest: value.slice(head.length) };
}

function checkScope(value: unknown): CacheScope {
  const scope = object(value, 'scope');
  if (typeof scope.apiId !== 'string' || !NAME.test(scope.apiId)) {
    throw new MalformedMessage('scope.apiId must be an API id');
  }
  if (typeof scope.stage !== 'string' || !NAME.test(scope.stage)) {
    throw new MalformedMessage('scope.stage must be a stage name');
  }
  return { apiId: scope.apiId, stage: scope.stage };
}

/** A response's shape; also used on what Redis gives back, so a corrupt entry is refused. */
export function checkEntry(value: unknown): CachedResponse {
  const entry = object(value, 'entry');
  const { statusCode, headers, body, isBase64Encoded } = entry;
  if (
    !Number.isSafeInteger(statusCode) ||
    (statusCode as number) < 100 ||
    (statusCode as number) > 599
  ) {
    throw new MalformedMessage('entry.statusCode must be an HTTP status');
  }
  if (!Array.isArray(headers) || !headers.every(isHeader)) {
    throw new MalformedMessage('entry.headers must be [name, value] string pairs');
  }
  if (typeof body !== 'string' || body.length % 4 !== 0 || !BASE64.test(body)) {
    throw new MalformedMessage('entry.body must be base64');
  }
  if (isBase64Encoded !== undefined && typeof isBase64Encoded !== 'boolean') {
    throw new MalformedMessage('entry.isBase64Encoded must be a boolean when given');
  }
  return {
    statusCode: statusCode as number,
    headers: headers as [string, string][],
    body,
    ...(isBase64Encoded === undefined ? {} : { isBase64Encoded }),
  };
}

function isHeader(pair: unknown): boolean {
  return (
    Array.isArray(pair) &&
    pair.length === 2 &&
    typeof pair[0] === 'string' &&
    typeof pair[1] === 'string'
  );
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MalformedMessage(`${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

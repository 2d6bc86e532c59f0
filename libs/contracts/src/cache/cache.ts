import type { PorticoError } from '../common/errors';

/**
 * Stage response caching, served by the cache service (queue group `portico-cache`) with its
 * entries in Redis. The edge computes an entry's key — `{apiId}/{stage}/…`, from the method and
 * the stage's cache key parameters — and decides what to cache; the service stores, expires,
 * single-flights and invalidates.
 */
export const CACHE_QUEUE_GROUP = 'portico-cache' as const;

/** Largest body (as encoded in `CachedResponse.body`) an entry may hold; larger passes uncached. */
export const MAX_ENTRY_BYTES = 1_048_576;

/** A response as the cache keeps it. */
export interface CachedResponse {
  statusCode: number;
  /** In order, repeated names allowed. */
  headers: [string, string][];
  /** Base64 of the body's bytes. */
  body: string;
  isBase64Encoded?: boolean;
}

/**
 * Edge → cache, request-reply: the entry under `key`. On a miss the first caller to ask gets
 * `fill: 'yours'` — it calls the integration and sends CACHE_FILL — and every other caller until
 * then, or until `fillLeaseMs` passes, gets `fill: 'pending'`. Reply: CacheLookupReply.
 */
export const CACHE_LOOKUP = 'portico.cache.entry.lookup.v1' as const;

export interface CacheLookupRequest {
  /** 1–1024 characters, starting `{apiId}/{stage}/`. */
  key: string;
  /** How long the fill is the winner's alone, 1–30000 ms; default 10000. */
  fillLeaseMs?: number;
}

export type CacheLookupReply =
  | { ok: true; hit: true; entry: CachedResponse; ageSeconds: number }
  | { ok: true; hit: false; fill: 'yours' | 'pending' }
  | { ok: false; error: PorticoError };

/** Edge → cache, request-reply: store a response for `ttlSeconds`. Reply: CacheFillReply. */
export const CACHE_FILL = 'portico.cache.entry.fill.v1' as const;

export interface CacheFillRequest {
  key: string;
  entry: CachedResponse;
  /** 1–3600. */
  ttlSeconds: number;
}

export type CacheFillReply =
  | { ok: true; stored: true }
  | { ok: true; stored: false; reason: 'too-large' }
  | { ok: false; error: PorticoError };

/** A stage's cache. */
export interface CacheScope {
  apiId: string;
  stage: string;
}

/**
 * Management → cache, request-reply: drop one entry (`key`), the entries whose key starts with
 * `prefix`, or — neither given — the whole stage's cache (FlushStageCache). Reply:
 * CacheInvalidateReply.
 */
export const CACHE_INVALIDATE = 'portico.cache.entry.invalidate.v1' as const;

export interface CacheInvalidateRequest {
  scope: CacheScope;
  /** A full key, `{apiId}/{stage}/…`. */
  key?: string;
  /** A key prefix, `{apiId}/{stage}/…`; matched literally. */
  prefix?: string;
}

export type CacheInvalidateReply =
  { ok: true; removed: number } | { ok: false; error: PorticoError };

/** Cache → everyone, event (no queue group): entries were invalidated, as the request named them. */
export const CACHE_INVALIDATED = 'portico.cache.entry.invalidated.v1' as const;

export interface CacheInvalidatedEvent {
  scope: CacheScope;
  key?: string;
  prefix?: string;
}

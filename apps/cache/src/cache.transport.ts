import { Injectable } from '@nestjs/common';
import {
  CACHE_FILL,
  CACHE_INVALIDATE,
  CACHE_LOOKUP,
  CACHE_QUEUE_GROUP,
  type CacheFillRequest,
  type CacheInvalidateRequest,
  type CacheLookupRequest,
} from '@portico/contracts';
import { jsonOf, type RequestHandler, RequestTransport } from '@portico/platform';
import { CacheInvalidation } from './cache-invalidation';
import { CacheStore } from './cache-store';
import { checkFill, checkInvalidate, checkLookup } from './cache.rules';

/**
 * The cache service's NATS subjects, served as the `portico-cache` queue group: one replica
 * takes each call. A malformed call is answered BadRequest.
 */
@Injectable()
export class CacheTransport extends RequestTransport {
  protected readonly queue = CACHE_QUEUE_GROUP;

  constructor(
    private readonly store: CacheStore,
    private readonly invalidation: CacheInvalidation,
  ) {
    super();
  }

  protected routes(): Record<string, RequestHandler> {
    return {
      [CACHE_LOOKUP]: (msg) => this.store.lookup(checkLookup(jsonOf<CacheLookupRequest>(msg))),
      [CACHE_FILL]: (msg) => this.store.fill(checkFill(jsonOf<CacheFillRequest>(msg))),
      [CACHE_INVALIDATE]: (msg) =>
        this.invalidation.invalidate(checkInvalidate(jsonOf<CacheInvalidateRequest>(msg))),
    };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import {
  CACHE_INVALIDATED,
  type CacheInvalidatedEvent,
  type CacheInvalidateReply,
} from '@portico/contracts';
import { METRICS_REGISTRY, NATS_CONNECTION, PINO_LOGGER, type PinoLogger } from '@portico/platform';
import type { NatsConnection } from 'nats';
import { Counter, type Registry } from 'prom-client';
import { CacheStore } from './cache-store';
import type { Invalidation } from './cache.rules';

/**
 * Drops entries from Redis, then tells every edge (CACHE_INVALIDATED, no queue group) so each can
 * drop its local copies. The event goes only after Redis is done, so an edge that re-looks-up on
 * it never finds what was just removed.
 */
@Injectable()
export class CacheInvalidation {
  private readonly invalidations: Counter;

  constructor(
    private readonly store: CacheStore,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(PINO_LOGGER) private readonly logger: PinoLogger,
  ) {
    this.invalidations = new Counter({
      name: 'portico_cache_invalidations_total',
      help: 'Cache invalidations done: one key, one prefix or a whole stage',
      registers: [registry],
    });
  }

  async invalidate(inv: Invalidation): Promise<CacheInvalidateReply> {
    const removed = await this.store.remove(inv);
    this.invalidations.inc();
    const event: CacheInvalidatedEvent = { scope: inv.scope };
    if (inv.kind === 'key') event.key = inv.key;
    if (inv.kind === 'prefix') event.prefix = inv.prefix;
    this.nc.publish(CACHE_INVALIDATED, Buffer.from(JSON.stringify(event)));
    this.logger.info({ ...event, removed }, 'Cache invalidated');
    return { ok: true, removed };
  }
}

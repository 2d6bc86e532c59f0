import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type CacheFillReply, type CacheLookupReply, MAX_ENTRY_BYTES } from '@portico/contracts';
import {
  METRICS_REGISTRY,
  PINO_LOGGER,
  type PinoLogger,
  REDIS_CLIENT,
  RedisAvailability,
} from '@portico/platform';
import type Redis from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { type CacheKeys, cacheKeys } from './cache-keys';
import { checkEntry, type Fill, type Invalidation, type Lookup } from './cache.rules';
import { CACHE_CONFIG, type CacheConfig } from './config';
import { EntryCipher } from './entry-cipher';
import { LOOKUP_LUA } from './lookup.lua';

/** How many keys one SCAN step asks for while invalidating. */
const SCAN_COUNT = 500;

interface ScriptedRedis extends Redis {
  porticoCacheLookupBuffer(
    entry: string,
    lock: string,
    leaseMs: number,
  ): Promise<[1, Buffer] | [0, 0 | 1]>;
}

/** What an entry holds in Redis (sealed when encryption is on). */
interface StoredEntry {
  /** When it was stored, epoch ms. */
  t: number;
  r: unknown;
}

/**
 * The stage cache's entries in Redis. A lookup is one script call; a fill one MULTI (store the
 * entry with its TTL, release the fill lock); an invalidation SCANs the stage's hash tag and
 * UNLINKs in batches. An entry that does not open (altered, sealed under another key, corrupt) is
 * a miss, deleted and logged.
 *
 * Redis failing, timing out (CACHE_REDIS_TIMEOUT_MS) or away is answered Unavailable at once —
 * the edge then goes to the integration — and counted in `portico_cache_redis_failures_total`;
 * `portico_cache_redis_available` is 0 from the first failure until a call succeeds again.
 */
@Injectable()
export class CacheStore implements OnModuleDestroy {
  private readonly redis: ScriptedRedis;
  private readonly keys: CacheKeys;
  private readonly cipher: EntryCipher;
  private readonly lookups: Counter<'outcome'>;
  private readonly fills: Counter<'outcome'>;
  private readonly redisHealth: RedisAvailability;

  constructor(
    @Inject(REDIS_CLIENT) redis: Redis,
    @Inject(CACHE_CONFIG) config: CacheConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(PINO_LOGGER) private readonly logger: PinoLogger,
  ) {
    redis.defineCommand('porticoCacheLookup', { numberOfKeys: 2, lua: LOOKUP_LUA });
    this.redis = redis as ScriptedRedis;
    this.keys = cacheKeys(config);
    this.cipher = new EntryCipher(config.CACHE_ENCRYPTION_KEY);
    this.lookups = new Counter({
      name: 'portico_cache_lookups_total',
      help: 'Cache lookups by outcome: hit, miss, unavailable (Redis failed)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.fills = new Counter({
      name: 'portico_cache_fills_total',
      help: 'Cache fills by outcome: stored, too_large (over 1 MiB, passed uncached)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.redisHealth = new RedisAvailability(redis, registry, logger, {
      metricPrefix: 'portico_cache',
      calls: 'cache calls',
      timeoutVariable: 'CACHE_REDIS_TIMEOUT_MS',
      unavailable: 'Cache unavailable',
    });
  }

  onModuleDestroy(): void {
    this.redisHealth.close();
  }

  async lookup({ key: { scope, rest }, fillLeaseMs }: Lookup): Promise<CacheLookupReply> {
    const entryKey = this.keys.entry(scope, rest);
    const lockKey = this.keys.lock(scope, rest);
    let reply = await this.call(
      () => this.redis.porticoCacheLookupBuffer(entryKey, lockKey, fillLeaseMs),
      'lookup',
    );
    if (reply[0] === 1) {
      const hit = this.open(reply[1], entryKey);
      if (hit) {
        this.lookups.inc({ outcome: 'hit' });
        const ageSeconds = Math.max(0, Math.floor((Date.now() - hit.t) / 1000));
        return { ok: true, hit: true, entry: checkEntry(hit.r), ageSeconds };
      }
      // Only the entry that failed to open goes: a fill may have replaced it meanwhile.
      await this.call(() => this.redis.eval(DELETE_IF_SAME, 1, entryKey, reply[1]), 'lookup');
      reply = await this.call(
        () => this.redis.porticoCacheLookupBuffer(entryKey, lockKey, fillLeaseMs),
        'lookup',
      );
      if (reply[0] === 1) return this.lookupAgainLater();
    }
    this.lookups.inc({ outcome: 'miss' });
    return { ok: true, hit: false, fill: reply[1] === 1 ? 'yours' : 'pending' };
  }

  async fill({ key: { scope, rest }, entry, ttlSeconds }: Fill): Promise<CacheFillReply> {
    const entryKey = this.keys.entry(scope, rest);
    const lockKey = this.keys.lock(scope, rest);
    if (entry.body.length > MAX_ENTRY_BYTES) {
      await this.call(() => this.redis.del(lockKey), 'fill');
      this.fills.inc({ outcome: 'too_large' });
      return { ok: true, stored: false, reason: 'too-large' };
    }
    const stored: StoredEntry = { t: Date.now(), r: entry };
    const value = this.cipher.seal(Buffer.from(JSON.stringify(stored)), entryKey);
    await this.call(async () => {
      const results = await this.redis
        .multi()
        .set(entryKey, value, 'PX', ttlSeconds * 1000)
        .del(lockKey)
        .exec();
      for (const [err] of results ?? [[new Error('Redis transaction aborted')]]) {
        if (err) throw err;
      }
    }, 'fill');
    this.fills.inc({ outcome: 'stored' });
    return { ok: true, stored: true };
  }

  /** Drops what `inv` names; resolves to how many entries went. */
  async remove(inv: Invalidation): Promise<number> {
    if (inv.kind === 'key') {
      return this.call(() => this.redis.unlink(this.keys.entry(inv.scope, inv.rest)), 'invalidate');
    }
    const match = this.keys.entryPattern(inv.scope, inv.kind === 'prefix' ? inv.rest : '');
    let removed = 0;
    let cursor = '0';
    do {
      const [next, found] = await this.call(
        () => this.redis.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT),
        'invalidate',
      );
      cursor = next;
      if (found.length > 0) {
        removed += await this.call(() => this.redis.unlink(...found), 'invalidate');
      }
    } while (cursor !== '0');
    return removed;
  }

  /** The entry, or undefined (logged) when it does not open or is not an entry. */
  private open(value: Buffer, entryKey: string): StoredEntry | undefined {
    try {
      const stored = JSON.parse(this.cipher.open(value, entryKey).toString()) as StoredEntry;
      if (typeof stored?.t !== 'number') throw new Error('no store time');
      checkEntry(stored.r);
      return stored;
    } catch (err) {
      this.logger.warn(
        { key: entryKey, err: (err as Error).message },
        'Cached entry unreadable: dropped and answered as a miss',
      );
      return undefined;
    }
  }

  /** An entry reappeared between dropping a bad one and taking the lock: someone just filled. */
  private lookupAgainLater(): CacheLookupReply {
    this.lookups.inc({ outcome: 'miss' });
    return { ok: true, hit: false, fill: 'pending' };
  }

  /** A Redis command; failing, Unavailable (and a lookup counted `unavailable`). */
  private call<T>(command: () => Promise<T>, what: string): Promise<T> {
    return this.redisHealth.call(command, () => {
      if (what === 'lookup') this.lookups.inc({ outcome: 'unavailable' });
    });
  }
}

/** Deletes KEYS[1] only while it still holds ARGV[1]. */
const DELETE_IF_SAME = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

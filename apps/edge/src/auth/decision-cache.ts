import { createHash } from 'node:crypto';
import type { VerifiedApiKey } from '@portico/contracts';
import type { Failure } from '@portico/platform';

/** What the auth service said of a value: the key it belongs to, or null for none. */
export type ApiKeyVerdict = VerifiedApiKey | null;

interface Entry {
  verdict: ApiKeyVerdict;
  expiresAt: number;
}

export interface ApiKeyCacheOptions {
  /** How long an answer naming a key is kept (events and the revision end it sooner). */
  ttlMs: number;
  /** How long "no such key" is kept: short, and ended at once when any key is created. */
  negativeTtlMs: number;
  maxEntries: number;
}

/**
 * The edge's memory of API key verdicts, so a warm request costs no NATS round trip. Entries
 * are found by the SHA-256 of the value (the values themselves are not kept), bounded in number
 * (least recently used goes first) and in time. Concurrent misses for one value make one call.
 * A call that was under way when the cache was invalidated answers its own request but is not
 * kept: it may predate the change.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, Entry>();
  /** Key id → the hashes of entries that name it, so a change to a key drops them all. */
  private readonly byId = new Map<string, Set<string>>();
  private readonly pending = new Map<string, Promise<ApiKeyVerdict | Failure>>();
  /** Moves on every invalidation: a load that started before one is not kept. */
  private epoch = 0;

  constructor(
    private readonly options: ApiKeyCacheOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The verdict for `value`: cached, or from `load` (one call per value at a time). A failed
   * load is returned, never kept.
   */
  async verdict(
    value: string,
    load: () => Promise<ApiKeyVerdict | Failure>,
  ): Promise<{ verdict: ApiKeyVerdict | Failure; cached: boolean }> {
    const hash = createHash('sha256').update(value).digest('base64url');
    const entry = this.entries.get(hash);
    if (entry && entry.expiresAt > this.now()) {
      // Most recently used last: Map keeps insertion order, so eviction takes the first.
      this.entries.delete(hash);
      this.entries.set(hash, entry);
      return { verdict: entry.verdict, cached: true };
    }
    if (entry) this.remove(hash);
    let loading = this.pending.get(hash);
    if (!loading) {
      const epoch = this.epoch;
      loading = load().then((verdict) => {
        if (epoch === this.epoch && !isFailure(verdict)) this.keep(hash, verdict);
        return verdict;
      });
      this.pending.set(hash, loading);
      void loading.finally(() => this.pending.delete(hash)).catch(() => undefined);
    }
    return { verdict: await loading, cached: false };
  }

  /** A key changed or was deleted: forget every answer that named it. */
  dropKey(id: string): void {
    this.epoch += 1;
    for (const hash of this.byId.get(id) ?? []) this.entries.delete(hash);
    this.byId.delete(id);
  }

  /** A key was created: a value that named no key may name it now. */
  dropUnknown(): void {
    this.epoch += 1;
    for (const [hash, entry] of this.entries) {
      if (entry.verdict === null) this.entries.delete(hash);
    }
  }

  clear(): void {
    this.epoch += 1;
    this.entries.clear();
    this.byId.clear();
  }

  private keep(hash: string, verdict: ApiKeyVerdict): void {
    const ttl = verdict ? this.options.ttlMs : this.options.negativeTtlMs;
    if (ttl <= 0) return;
    this.entries.set(hash, { verdict, expiresAt: this.now() + ttl });
    if (verdict) {
      let hashes = this.byId.get(verdict.id);
      if (!hashes) this.byId.set(verdict.id, (hashes = new Set()));
      hashes.add(hash);
    }
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  private remove(hash: string): void {
    const entry = this.entries.get(hash);
    this.entries.delete(hash);
    if (entry?.verdict) this.byId.get(entry.verdict.id)?.delete(hash);
  }
}

export function isFailure(value: unknown): value is Failure {
  return typeof value === 'object' && value !== null && (value as Failure).ok === false;
}

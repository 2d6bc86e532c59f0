import { hash as digest } from 'node:crypto';
import type { Failure } from '@portico/platform';

interface Entry<V> {
  verdict: V;
  expiresAt: number;
}

/** A verdict, and whether it came from the cache. */
export interface Verdict<V> {
  verdict: V | Failure;
  cached: boolean;
}

export interface DecisionCacheOptions<V> {
  /** How long a verdict is kept; 0 or less: not at all. */
  ttlMs(verdict: V): number;
  /** The id a verdict is about (a key id), so dropId can forget every verdict naming it. */
  idOf?(verdict: V): string | undefined;
  maxEntries: number;
}

/**
 * The edge's memory of authorization verdicts (API keys, authorizer results), so a warm request
 * costs no NATS round trip. Entries are found by the SHA-256 of what identifies the caller (a
 * key's value, an authorizer's identity sources — never kept themselves), bounded in number
 * (least recently used goes first) and in time. Concurrent misses for one identity make one
 * call. A call that was under way when the cache was invalidated answers its own request but
 * is not kept: it may predate the change.
 */
export class DecisionCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** Id → the hashes of entries that name it, so a change to it drops them all. */
  private readonly byId = new Map<string, Set<string>>();
  /** Loads under way, with the epoch they started in: a later caller joins only a current one. */
  private readonly pending = new Map<string, { epoch: number; loading: Promise<V | Failure> }>();
  /** Moves on every invalidation: a load that started before one is not kept. */
  private epoch = 0;

  constructor(
    private readonly options: DecisionCacheOptions<V>,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The verdict for `value`: cached, or from `load` (one call per value at a time). A failed
   * load is returned, never kept. A cached verdict is answered at once, without a promise: this
   * is every warm request's path.
   */
  verdict(value: string, load: () => Promise<V | Failure>): Verdict<V> | Promise<Verdict<V>> {
    const hash = digest('sha256', value, 'base64url');
    const entry = this.entries.get(hash);
    if (entry && entry.expiresAt > this.now()) {
      // Most recently used last: Map keeps insertion order, so eviction takes the first.
      this.entries.delete(hash);
      this.entries.set(hash, entry);
      return { verdict: entry.verdict, cached: true };
    }
    if (entry) this.remove(hash);
    return this.load(hash, load);
  }

  private async load(hash: string, load: () => Promise<V | Failure>): Promise<Verdict<V>> {
    const current = this.pending.get(hash);
    // A load that started before an invalidation may answer with what was just revoked: a
    // caller arriving after it starts its own.
    if (current && current.epoch === this.epoch) {
      return { verdict: await current.loading, cached: false };
    }
    const epoch = this.epoch;
    const loading = load().then((verdict) => {
      if (epoch === this.epoch && !isFailure(verdict)) this.keep(hash, verdict);
      return verdict;
    });
    const started = { epoch, loading };
    this.pending.set(hash, started);
    void loading
      .finally(() => {
        if (this.pending.get(hash) === started) this.pending.delete(hash);
      })
      .catch(() => undefined);
    return { verdict: await loading, cached: false };
  }

  /** What `id` names changed or was deleted: forget every verdict about it. */
  dropId(id: string): void {
    this.epoch += 1;
    for (const hash of this.byId.get(id) ?? []) this.entries.delete(hash);
    this.byId.delete(id);
  }

  /** Forgets the verdicts `test` picks (a key was created: every "no such key"). */
  dropWhere(test: (verdict: V) => boolean): void {
    this.epoch += 1;
    for (const [hash, entry] of this.entries) {
      if (test(entry.verdict)) this.remove(hash);
    }
  }

  clear(): void {
    this.epoch += 1;
    this.entries.clear();
    this.byId.clear();
  }

  private keep(hash: string, verdict: V): void {
    const ttl = this.options.ttlMs(verdict);
    if (ttl <= 0) return;
    this.entries.set(hash, { verdict, expiresAt: this.now() + ttl });
    const id = this.options.idOf?.(verdict);
    if (id !== undefined) {
      let hashes = this.byId.get(id);
      if (!hashes) this.byId.set(id, (hashes = new Set()));
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
    const id = entry && this.options.idOf?.(entry.verdict);
    if (id !== undefined) this.byId.get(id)?.delete(hash);
  }
}

export function isFailure(value: unknown): value is Failure {
  return typeof value === 'object' && value !== null && (value as Failure).ok === false;
}

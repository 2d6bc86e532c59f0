import type { ConnectionRecord } from '@portico/contracts';
import { checkExec } from '@portico/platform';
import type Redis from 'ioredis';

/**
 * The registry in Redis. Everything about an API's connections shares the `{ws:<apiId>}` hash
 * tag (one slot on Redis Cluster, so each change is one MULTI), and what is about edges shares
 * `{edges}`:
 * - `{ws:a}:c:<id>` the connection record (JSON);
 * - `{ws:a}:s:<stage>`, `{ws:a}:t:<stage>:<tag>`, `{ws:a}:u:<stage>:<principal>` presence sets;
 * - `{ws:a}:e:<edgeId>` the API's connections on one edge, for cleaning up after a dead edge;
 * - `{ws:a}:ch:<stage>:<topic>` a channel: connection id → edge id (a publish needs no lookup);
 * - `{ws:a}:cc:<id>` the topics a connection joined, so leaving them all on close is exact;
 * - `{edges}:all`, `{edges}:hb:<edgeId>` (expires unless the edge beats), `{edges}:apis:<edgeId>`.
 */
export class ConnectionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private api(apiId: string): string {
    return `${this.prefix}{ws:${apiId}}:`;
  }

  private edges(): string {
    return `${this.prefix}{edges}:`;
  }

  async get(apiId: string, connectionId: string): Promise<ConnectionRecord | undefined> {
    const raw = await this.redis.get(`${this.api(apiId)}c:${connectionId}`);
    return raw === null ? undefined : (JSON.parse(raw) as ConnectionRecord);
  }

  /** Adds a connection; its edge counts as alive for `edgeTtlMs` if it has not beaten yet. */
  async add(record: ConnectionRecord, edgeTtlMs: number): Promise<void> {
    const e = this.edges();
    await this.redis
      .multi()
      .sadd(`${e}all`, record.edgeId)
      .sadd(`${e}apis:${record.edgeId}`, record.apiId)
      .set(`${e}hb:${record.edgeId}`, '1', 'PX', edgeTtlMs, 'NX')
      .exec()
      .then(checkExec);
    const a = this.api(record.apiId);
    const tx = this.redis.multi();
    tx.set(`${a}c:${record.connectionId}`, JSON.stringify(record));
    for (const key of this.indexKeys(record)) tx.sadd(key, record.connectionId);
    checkExec(await tx.exec());
  }

  /** Removes a connection with its presence entries and channel memberships; false if unknown. */
  async remove(apiId: string, connectionId: string, edgeId?: string): Promise<boolean> {
    const a = this.api(apiId);
    const [raw, topics] = await Promise.all([
      this.redis.get(`${a}c:${connectionId}`),
      this.redis.smembers(`${a}cc:${connectionId}`),
    ]);
    if (raw === null) return false;
    const record = JSON.parse(raw) as ConnectionRecord;
    // A connection re-registered by another edge since is not this caller's to remove.
    if (edgeId !== undefined && record.edgeId !== edgeId) return false;
    const tx = this.redis.multi();
    tx.del(`${a}c:${connectionId}`, `${a}cc:${connectionId}`);
    for (const key of this.indexKeys(record)) tx.srem(key, connectionId);
    for (const topic of topics) tx.hdel(`${a}ch:${record.stage}:${topic}`, connectionId);
    checkExec(await tx.exec());
    return true;
  }

  async join(record: ConnectionRecord, topic: string): Promise<void> {
    const a = this.api(record.apiId);
    await this.redis
      .multi()
      .hset(`${a}ch:${record.stage}:${topic}`, record.connectionId, record.edgeId)
      .sadd(`${a}cc:${record.connectionId}`, topic)
      .exec()
      .then(checkExec);
  }

  async leave(record: ConnectionRecord, topic: string): Promise<void> {
    const a = this.api(record.apiId);
    await this.redis
      .multi()
      .hdel(`${a}ch:${record.stage}:${topic}`, record.connectionId)
      .srem(`${a}cc:${record.connectionId}`, topic)
      .exec()
      .then(checkExec);
  }

  /** A channel's members: connection id → edge id. */
  async members(apiId: string, stage: string, topic: string): Promise<Record<string, string>> {
    return this.redis.hgetall(`${this.api(apiId)}ch:${stage}:${topic}`);
  }

  /** A stage's connections, narrowed by tag and principal, at most `limit`. */
  async list(
    apiId: string,
    stage: string,
    filter: { tag?: string; principalId?: string },
    limit: number,
  ): Promise<ConnectionRecord[]> {
    const a = this.api(apiId);
    const sets = [`${a}s:${stage}`];
    if (filter.tag !== undefined) sets.push(`${a}t:${stage}:${filter.tag}`);
    if (filter.principalId !== undefined) sets.push(`${a}u:${stage}:${filter.principalId}`);
    const ids = (
      sets.length === 1 ? await this.redis.smembers(sets[0]!) : await this.redis.sinter(...sets)
    )
      .sort()
      .slice(0, limit);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(...ids.map((id) => `${a}c:${id}`));
    return raws.flatMap((raw) => (raw === null ? [] : [JSON.parse(raw) as ConnectionRecord]));
  }

  /** Records a beat; false when the edge was not listed (new, or given up by a sweep). */
  async beat(edgeId: string, ttlMs: number): Promise<boolean> {
    const e = this.edges();
    const results = checkExec(
      await this.redis
        .multi()
        .set(`${e}hb:${edgeId}`, '1', 'PX', ttlMs)
        .sadd(`${e}all`, edgeId)
        .exec(),
    );
    return results[1] === 0;
  }

  /** Edges listed whose heartbeat key has expired. */
  async deadEdges(): Promise<string[]> {
    const e = this.edges();
    const edges = await this.redis.smembers(`${e}all`);
    if (edges.length === 0) return [];
    const alive = await this.redis.mget(...edges.map((id) => `${e}hb:${id}`));
    return edges.filter((_, i) => alive[i] === null);
  }

  /** Removes every connection a dead edge held; returns how many. */
  async purgeEdge(edgeId: string): Promise<number> {
    const e = this.edges();
    const apis = await this.redis.smembers(`${e}apis:${edgeId}`);
    let removed = 0;
    for (const apiId of apis) {
      const ids = await this.redis.smembers(`${this.api(apiId)}e:${edgeId}`);
      for (const id of ids) if (await this.remove(apiId, id, edgeId)) removed++;
      await this.redis.del(`${this.api(apiId)}e:${edgeId}`);
    }
    await this.redis
      .multi()
      .del(`${e}apis:${edgeId}`)
      .srem(`${e}all`, edgeId)
      .exec()
      .then(checkExec);
    return removed;
  }

  /** One sweeper at a time across replicas: true when this caller holds the lock for `ttlMs`. */
  async takeSweepLock(owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.edges()}sweep-lock`, owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  private indexKeys(r: ConnectionRecord): string[] {
    const a = this.api(r.apiId);
    const keys = [`${a}s:${r.stage}`, `${a}e:${r.edgeId}`];
    for (const tag of r.tags) keys.push(`${a}t:${r.stage}:${tag}`);
    if (r.principalId !== undefined) keys.push(`${a}u:${r.stage}:${r.principalId}`);
    return keys;
  }
}

import { randomUUID } from 'node:crypto';
import type { ApiKeyRecord } from '@portico/contracts';
import type Redis from 'ioredis';

/** A key as Redis holds it: the record, the keyed hash of its value and the sealed value. */
export interface StoredApiKey extends ApiKeyRecord {
  digest: string;
  box: string;
}

/**
 * Writes one key and its index entry, if the record is still what the writer read and no other
 * key has the value: KEYS[1] the record, KEYS[2] the index entry (digest → id), KEYS[3] the
 * listing, KEYS[4] the revision, KEYS[5] the index entry of the value the key had before (or
 * the same as KEYS[2]); ARGV: id, JSON, createdDate, revision, the record as read ('' for a
 * new key). Returns -1 when the record changed or went meanwhile (a concurrent update or
 * delete: nothing is resurrected or lost), 0 when the value belongs to another key, 1 when
 * written.
 */
const PUT = `
local current = redis.call('GET', KEYS[1])
if ARGV[5] == '' then
  if current then return -1 end
elseif current ~= ARGV[5] then
  return -1
end
local owner = redis.call('GET', KEYS[2])
if owner and owner ~= ARGV[1] then return 0 end
if KEYS[5] ~= KEYS[2] and redis.call('GET', KEYS[5]) == ARGV[1] then redis.call('DEL', KEYS[5]) end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('SET', KEYS[4], ARGV[4])
return 1
`;

/**
 * Deletes a key if its record is still what the deleter read: KEYS as PUT's first four; ARGV:
 * id, the record as read, revision. The index entry goes only if it still names this key.
 * Returns 0 when the record changed or went meanwhile.
 */
const DELETE = `
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('SET', KEYS[4], ARGV[3])
return 1
`;

/**
 * Writes many keys at once (an import), all or none. KEYS: the listing, the revision, then per
 * key its record and its index entry; ARGV: the revision, then per key id, JSON, createdDate and
 * the record as read ('' for a new key). Returns 0 when written, else the 1-based position of
 * the first key whose record changed meanwhile or whose value another key took.
 */
const PUT_MANY = `
local n = (#KEYS - 2) / 2
for i = 1, n do
  local id, expected = ARGV[2 + (i - 1) * 4], ARGV[5 + (i - 1) * 4]
  local current = redis.call('GET', KEYS[1 + i * 2])
  if (expected == '' and current) or (expected ~= '' and current ~= expected) then return i end
  local owner = redis.call('GET', KEYS[2 + i * 2])
  if owner and owner ~= id then return i end
end
for i = 1, n do
  local base = (i - 1) * 4
  redis.call('SET', KEYS[1 + i * 2], ARGV[3 + base])
  redis.call('SET', KEYS[2 + i * 2], ARGV[2 + base])
  redis.call('ZADD', KEYS[1], ARGV[4 + base], ARGV[2 + base])
end
redis.call('SET', KEYS[2], ARGV[1])
return 0
`;

/** What a put did. */
export type PutOutcome = 'written' | 'value-taken' | 'changed';

/**
 * API keys in Redis, all under the `{auth}` hash tag (one slot on Redis Cluster, so every
 * change is atomic with its index and the revision):
 * - `{auth}:ak:<id>` the key (JSON: record, digest, sealed value);
 * - `{auth}:akd:<digest>` the id of the key with that value's keyed hash;
 * - `{auth}:aks` every id, scored by creation time, for listing;
 * - `{auth}:revision` a new random value on every change, announced to edges.
 */
export class ApiKeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get k(): string {
    return `${this.prefix}{auth}:`;
  }

  async get(id: string): Promise<StoredApiKey | undefined> {
    const raw = await this.redis.get(`${this.k}ak:${id}`);
    return raw === null ? undefined : (JSON.parse(raw) as StoredApiKey);
  }

  /** The key whose value has this keyed hash. */
  async byDigest(digest: string): Promise<StoredApiKey | undefined> {
    const id = await this.redis.get(`${this.k}akd:${digest}`);
    return id === null ? undefined : this.get(id);
  }

  /** Every key, oldest first. */
  async all(): Promise<StoredApiKey[]> {
    const ids = await this.redis.zrange(`${this.k}aks`, 0, -1);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(...ids.map((id) => `${this.k}ak:${id}`));
    return raws.flatMap((raw) => (raw === null ? [] : [JSON.parse(raw) as StoredApiKey]));
  }

  /**
   * Writes a key: new, or replacing `previous` (as it was read). Nothing is written when another
   * key has its value, or when the stored record is no longer `previous`.
   */
  async put(key: StoredApiKey, previous?: StoredApiKey): Promise<PutOutcome> {
    const k = this.k;
    const written = await this.redis.eval(
      PUT,
      5,
      `${k}ak:${key.id}`,
      `${k}akd:${key.digest}`,
      `${k}aks`,
      `${k}revision`,
      `${k}akd:${(previous ?? key).digest}`,
      key.id,
      JSON.stringify(key),
      String(key.createdDate),
      randomUUID(),
      previous ? JSON.stringify(previous) : '',
    );
    return written === 1 ? 'written' : written === 0 ? 'value-taken' : 'changed';
  }

  /**
   * Writes many keys at once (an import): each new, or replacing `previous` (as read). All or
   * nothing: false when any record changed meanwhile or any value went to another key.
   */
  async putMany(keys: Array<{ key: StoredApiKey; previous?: StoredApiKey }>): Promise<boolean> {
    const k = this.k;
    const redisKeys = [`${k}aks`, `${k}revision`];
    const args: string[] = [randomUUID()];
    for (const { key, previous } of keys) {
      redisKeys.push(`${k}ak:${key.id}`, `${k}akd:${key.digest}`);
      args.push(
        key.id,
        JSON.stringify(key),
        String(key.createdDate),
        previous ? JSON.stringify(previous) : '',
      );
    }
    const failed = await this.redis.eval(PUT_MANY, redisKeys.length, ...redisKeys, ...args);
    return failed === 0;
  }

  /** Deletes `key` (as it was read); false when the stored record is no longer that. */
  async delete(key: StoredApiKey): Promise<boolean> {
    const k = this.k;
    const deleted = await this.redis.eval(
      DELETE,
      4,
      `${k}ak:${key.id}`,
      `${k}akd:${key.digest}`,
      `${k}aks`,
      `${k}revision`,
      key.id,
      JSON.stringify(key),
      randomUUID(),
    );
    return deleted === 1;
  }

  /** The revision of the store: moves with every change; empty before the first. */
  async revision(): Promise<string> {
    return (await this.redis.get(`${this.k}revision`)) ?? '';
  }
}

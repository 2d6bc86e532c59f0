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
 * listing, KEYS[4] the revision, KEYS[5…] the value's other index entries (under previous
 * secrets, or of the value the key had before): each must name no other key, and goes when it
 * names this one. ARGV: id, JSON, createdDate, revision, the record as read ('' for a new key).
 * Returns -1 when the record changed or went meanwhile (a concurrent update or delete: nothing
 * is resurrected or lost), 0 when the value belongs to another key, 1 when written.
 */
const PUT = `
local current = redis.call('GET', KEYS[1])
if ARGV[5] == '' then
  if current then return -1 end
elseif current ~= ARGV[5] then
  return -1
end
local function taken(entry)
  local owner = redis.call('GET', entry)
  return owner and owner ~= ARGV[1]
end
if taken(KEYS[2]) then return 0 end
for i = 5, #KEYS do
  if taken(KEYS[i]) then return 0 end
end
for i = 5, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('SET', KEYS[4], ARGV[4])
return 1
`;

/**
 * Moves one key to another secret (a rotation): its record (value sealed again) and its index
 * entry, if the record is still what the rotation read and no other key has the value's new
 * digest. The revision does not move: no value changes, so nothing edges cached goes stale.
 * KEYS[1] the record, KEYS[2] the new index entry, KEYS[3] the old one; ARGV: id, JSON, the
 * record as read. Returns -1 when the record changed or went meanwhile, 0 when the new entry
 * names another key, 1 when moved.
 */
const REKEY = `
if redis.call('GET', KEYS[1]) ~= ARGV[3] then return -1 end
local owner = redis.call('GET', KEYS[2])
if owner and owner ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
if KEYS[3] ~= KEYS[2] and redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
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
 * key its record, its index entry and its value's other index entries (as PUT's KEYS[5…]);
 * ARGV: the revision, then per key id, JSON, createdDate, the record as read ('' for a new key)
 * and how many other index entries it has. Returns 0 when written, else the 1-based position of
 * the first key whose record changed meanwhile or whose value another key took.
 */
const PUT_MANY = `
local entries = {}
local k, a = 3, 2
while a <= #ARGV do
  local n = tonumber(ARGV[a + 4])
  local others = {}
  for j = 1, n do others[j] = KEYS[k + 1 + j] end
  entries[#entries + 1] = { record = KEYS[k], digest = KEYS[k + 1], others = others,
    id = ARGV[a], json = ARGV[a + 1], created = ARGV[a + 2], expected = ARGV[a + 3] }
  k = k + 2 + n
  a = a + 5
end
for i, e in ipairs(entries) do
  local current = redis.call('GET', e.record)
  if (e.expected == '' and current) or (e.expected ~= '' and current ~= e.expected) then return i end
  local owner = redis.call('GET', e.digest)
  if owner and owner ~= e.id then return i end
  for _, other in ipairs(e.others) do
    owner = redis.call('GET', other)
    if owner and owner ~= e.id then return i end
  end
end
for _, e in ipairs(entries) do
  for _, other in ipairs(e.others) do
    if redis.call('GET', other) == e.id then redis.call('DEL', other) end
  end
  redis.call('SET', e.record, e.json)
  redis.call('SET', e.digest, e.id)
  redis.call('ZADD', KEYS[1], e.created, e.id)
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

  /**
   * The key whose value has one of these keyed hashes (the value's under each configured
   * secret), the first found in order. The index entries are read at once, so a key the
   * rotation moves meanwhile is found under one digest or the other.
   */
  async byDigests(digests: string[]): Promise<StoredApiKey | undefined> {
    const ids = await this.redis.mget(...digests.map((digest) => `${this.k}akd:${digest}`));
    const id = ids.find((found) => found !== null);
    return id ? this.get(id) : undefined;
  }

  /**
   * A batch of keys from a full pass over the store (ZSCAN: a key present for the whole pass is
   * seen at least once); the pass is over when the returned cursor is '0'.
   */
  async scan(cursor: string, count: number): Promise<{ cursor: string; keys: StoredApiKey[] }> {
    const [next, flat] = await this.redis.zscan(`${this.k}aks`, cursor, 'COUNT', count);
    const ids = flat.filter((_, i) => i % 2 === 0);
    if (ids.length === 0) return { cursor: next, keys: [] };
    const raws = await this.redis.mget(...ids.map((id) => `${this.k}ak:${id}`));
    const keys = raws.flatMap((raw) => (raw === null ? [] : [JSON.parse(raw) as StoredApiKey]));
    return { cursor: next, keys };
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
   * key has its value (under its digest, or any of `aliases`: the value's digests under previous
   * secrets), or when the stored record is no longer `previous`.
   */
  async put(
    key: StoredApiKey,
    previous?: StoredApiKey,
    aliases: string[] = [],
  ): Promise<PutOutcome> {
    const k = this.k;
    const others = this.otherEntries(key, previous, aliases);
    const written = await this.redis.eval(
      PUT,
      4 + others.length,
      `${k}ak:${key.id}`,
      `${k}akd:${key.digest}`,
      `${k}aks`,
      `${k}revision`,
      ...others,
      key.id,
      JSON.stringify(key),
      String(key.createdDate),
      randomUUID(),
      previous ? JSON.stringify(previous) : '',
    );
    return written === 1 ? 'written' : written === 0 ? 'value-taken' : 'changed';
  }

  /**
   * Writes many keys at once (an import): each new, or replacing `previous` (as read), with its
   * value's `aliases` as put's. All or nothing: false when any record changed meanwhile or any
   * value went to another key.
   */
  async putMany(
    keys: Array<{ key: StoredApiKey; previous?: StoredApiKey; aliases?: string[] }>,
  ): Promise<boolean> {
    const k = this.k;
    const redisKeys = [`${k}aks`, `${k}revision`];
    const args: string[] = [randomUUID()];
    for (const { key, previous, aliases } of keys) {
      const others = this.otherEntries(key, previous, aliases ?? []);
      redisKeys.push(`${k}ak:${key.id}`, `${k}akd:${key.digest}`, ...others);
      args.push(
        key.id,
        JSON.stringify(key),
        String(key.createdDate),
        previous ? JSON.stringify(previous) : '',
        String(others.length),
      );
    }
    const failed = await this.redis.eval(PUT_MANY, redisKeys.length, ...redisKeys, ...args);
    return failed === 0;
  }

  /**
   * Moves `key` (as `previous`, read under an older secret, became it: value sealed again and
   * hashed under the current secret). 'changed' when the stored record is no longer `previous`:
   * a concurrent write wins, and the rotation tries again on its next pass.
   */
  async rekey(key: StoredApiKey, previous: StoredApiKey): Promise<PutOutcome> {
    const k = this.k;
    const moved = await this.redis.eval(
      REKEY,
      3,
      `${k}ak:${key.id}`,
      `${k}akd:${key.digest}`,
      `${k}akd:${previous.digest}`,
      key.id,
      JSON.stringify(key),
      JSON.stringify(previous),
    );
    return moved === 1 ? 'written' : moved === 0 ? 'value-taken' : 'changed';
  }

  /** Index entries other than the key's own: its previous value's, and the value's aliases. */
  private otherEntries(key: StoredApiKey, previous: StoredApiKey | undefined, aliases: string[]) {
    const digests = new Set([previous?.digest, ...aliases]);
    digests.delete(key.digest);
    digests.delete(undefined);
    return [...digests].map((digest) => `${this.k}akd:${digest}`);
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

import { randomUUID } from 'node:crypto';
import type { CredentialRecord } from '@portico/contracts';
import type Redis from 'ioredis';

/** A credential as Redis holds it: the record and its sealed secret. */
export interface StoredCredential extends CredentialRecord {
  box: string;
}

/**
 * Writes one credential if the record is still what the writer read: KEYS[1] the record,
 * KEYS[2] the listing, KEYS[3] the revision; ARGV: JSON, listing member, revision, the record as
 * read ('' for a new credential). Returns 0 when a new credential's id is taken, -1 when the
 * record changed or went meanwhile (nothing is resurrected or lost), 1 when written.
 */
const PUT = `
local current = redis.call('GET', KEYS[1])
if ARGV[4] == '' then
  if current then return 0 end
elseif current ~= ARGV[4] then
  return -1
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
redis.call('SET', KEYS[3], ARGV[3])
return 1
`;

/**
 * Deletes a credential if its record is still what the deleter read: KEYS as PUT's; ARGV: the
 * record as read, listing member, revision. Returns 0 when the record changed or went meanwhile.
 */
const DELETE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], ARGV[3])
return 1
`;

/**
 * Replaces one credential's record with the same credential, its secret sealed again (a
 * rotation), if it is still what the rotation read; the revision does not move (nothing edges
 * cached changes). KEYS[1] the record; ARGV: JSON, the record as read. Returns 0 when the
 * record changed or went meanwhile.
 */
const RESEAL = `
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

export type CredentialPutOutcome = 'written' | 'exists' | 'changed';

/** Creation times are written with this many digits so the listing sorts them as numbers. */
const DATE_DIGITS = 15;
const MEMBER_PATTERN = new RegExp(`^[0-9]{${DATE_DIGITS}}:[A-Z0-9]{16,128}$`);

/**
 * IAM-style credentials in Redis, beside the API keys under the `{auth}` hash tag (one slot on
 * Redis Cluster, so every change is atomic with the listing and the revision both stores move):
 * - `{auth}:cr:<accessKeyId>` the credential (JSON: record and sealed secret);
 * - `{auth}:crs` `<createdDate>:<accessKeyId>` for every credential, all at score 0, so a
 *   lexical range lists them in creation order from any member on: the listing's cursor;
 * - `{auth}:revision` a new random value on every change, announced to edges.
 */
export class CredentialStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get k(): string {
    return `${this.prefix}{auth}:`;
  }

  async get(accessKeyId: string): Promise<StoredCredential | undefined> {
    const raw = await this.redis.get(`${this.k}cr:${accessKeyId}`);
    return raw === null ? undefined : (JSON.parse(raw) as StoredCredential);
  }

  /**
   * Up to `limit` credentials in creation order, after the one whose cursor is `after`, and the
   * cursor of the last one when more follow it.
   */
  async page(
    after: string | undefined,
    limit: number,
  ): Promise<{ items: StoredCredential[]; next?: string }> {
    const members = await this.redis.zrangebylex(
      `${this.k}crs`,
      after === undefined ? '-' : `(${after}`,
      '+',
      'LIMIT',
      0,
      limit + 1,
    );
    const shown = members.slice(0, limit);
    if (shown.length === 0) return { items: [] };
    const raws = await this.redis.mget(
      ...shown.map((m) => `${this.k}cr:${m.slice(DATE_DIGITS + 1)}`),
    );
    // A credential deleted between the two reads is left out.
    const items = raws.flatMap((raw) =>
      raw === null ? [] : [JSON.parse(raw) as StoredCredential],
    );
    return members.length > limit ? { items, next: shown[shown.length - 1] } : { items };
  }

  /**
   * A batch of credentials from a full pass over the store (ZSCAN: a credential present for the
   * whole pass is seen at least once); the pass is over when the returned cursor is '0'.
   */
  async scan(
    cursor: string,
    count: number,
  ): Promise<{ cursor: string; credentials: StoredCredential[] }> {
    const [next, flat] = await this.redis.zscan(`${this.k}crs`, cursor, 'COUNT', count);
    const members = flat.filter((_, i) => i % 2 === 0);
    if (members.length === 0) return { cursor: next, credentials: [] };
    const raws = await this.redis.mget(
      ...members.map((m) => `${this.k}cr:${m.slice(DATE_DIGITS + 1)}`),
    );
    const credentials = raws.flatMap((raw) =>
      raw === null ? [] : [JSON.parse(raw) as StoredCredential],
    );
    return { cursor: next, credentials };
  }

  /**
   * Writes `credential`, `previous` with its secret sealed again under the current secret key;
   * false when the stored record is no longer `previous` (a concurrent write wins).
   */
  async reseal(credential: StoredCredential, previous: StoredCredential): Promise<boolean> {
    const resealed = await this.redis.eval(
      RESEAL,
      1,
      `${this.k}cr:${credential.accessKeyId}`,
      JSON.stringify(credential),
      JSON.stringify(previous),
    );
    return resealed === 1;
  }

  /** Writes a credential: new, or replacing `previous` (as it was read) if it is still that. */
  async put(
    credential: StoredCredential,
    previous?: StoredCredential,
  ): Promise<CredentialPutOutcome> {
    const written = await this.run(PUT, credential, [
      JSON.stringify(credential),
      listingMember(credential),
      randomUUID(),
      previous ? JSON.stringify(previous) : '',
    ]);
    return written === 1 ? 'written' : written === 0 ? 'exists' : 'changed';
  }

  /** Deletes `credential` (as it was read); false when the stored record is no longer that. */
  async delete(credential: StoredCredential): Promise<boolean> {
    const args = [JSON.stringify(credential), listingMember(credential), randomUUID()];
    return (await this.run(DELETE, credential, args)) === 1;
  }

  /** A script over the credential's record, the listing and the revision. */
  private run(script: string, credential: CredentialRecord, args: string[]): Promise<unknown> {
    const k = this.k;
    const keys = [`${k}cr:${credential.accessKeyId}`, `${k}crs`, `${k}revision`];
    return this.redis.eval(script, keys.length, ...keys, ...args);
  }
}

function listingMember(credential: CredentialRecord): string {
  return `${String(credential.createdDate).padStart(DATE_DIGITS, '0')}:${credential.accessKeyId}`;
}

/** Whether a cursor names a listing position (anything else is not one the store gave out). */
export function isListingCursor(value: string): boolean {
  return MEMBER_PATTERN.test(value);
}

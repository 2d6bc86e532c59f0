import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  API_KEY_MAX_LENGTH,
  API_KEY_MIN_LENGTH,
  type ApiKeyView,
  type CreateApiKeyRequest,
  type DeleteApiKeyRequest,
  type GetApiKeyRequest,
  type ImportApiKeysRequest,
  type ListApiKeysRequest,
  type NewApiKey,
  type UpdateApiKeyRequest,
  type VerifiedApiKey,
} from '@portico/contracts';
import { ServiceError } from '@portico/platform';
import type { StoredApiKey } from './api-key-store';
import { ApiKeyStore } from './api-key-store';
import { ApiKeyEvents } from './api-key-events';
import { definedOf, generate } from './generate';
import { SecretBox } from './secret-box';
import { API_KEY_STORE } from './tokens';

/** Characters of a generated value: 40 from [A-Za-z0-9], as AWS generates them. */
const GENERATED_LENGTH = 40;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Key ids: 10 lower-case letters and digits, as AWS's. */
const ID_LENGTH = 10;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * API keys: created, read, listed, changed, deleted and imported for control, verified for
 * edges. Values are kept sealed and found by their keyed hash; a verify compares the hash it
 * computed with the stored one in constant time. Every change is announced to edges.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    @Inject(API_KEY_STORE) private readonly store: ApiKeyStore,
    private readonly box: SecretBox,
    private readonly events: ApiKeyEvents,
  ) {}

  /**
   * The key a value belongs to (absent when none does), for an edge to admit a request: found
   * by the value's keyed hash under the current secret, or under a previous one while a
   * rotation has not moved the key yet.
   */
  async verify(value: unknown): Promise<{ key?: VerifiedApiKey }> {
    if (typeof value !== 'string' || !validLength(value)) return {};
    const digests = this.box.digests(value);
    const key = await this.store.byDigests(digests);
    if (!key || !digests.some((digest) => sameDigest(key.digest, digest))) return {};
    return { key: { id: key.id, enabled: key.enabled } };
  }

  async create(req: CreateApiKeyRequest): Promise<{ apiKey: ApiKeyView }> {
    const now = Date.now();
    const value = req.value ?? generate(ALPHANUMERIC, GENERATED_LENGTH);
    checkValue(value);
    const key = this.stored(value, req, { id: generate(ID_ALPHABET, ID_LENGTH), now });
    if ((await this.store.put(key, undefined, this.box.digests(value))) !== 'written') {
      throw new ServiceError('Conflict', 'API Key already exists');
    }
    this.events.changed(key.id, 'created');
    return { apiKey: this.view(key, true) };
  }

  async get(req: GetApiKeyRequest): Promise<{ apiKey: ApiKeyView }> {
    return { apiKey: this.view(await this.existing(req.id), req.includeValue === true) };
  }

  async list(req: ListApiKeysRequest): Promise<{ items: ApiKeyView[]; position?: string }> {
    const offset = positionOffset(req.position);
    const matching = (await this.store.all()).filter(
      (key) =>
        (req.nameQuery === undefined || key.name.startsWith(req.nameQuery)) &&
        (req.customerId === undefined || key.customerId === req.customerId),
    );
    const page = matching.slice(offset, offset + req.limit);
    const next = offset + page.length;
    return {
      items: page.map((key) => this.view(key, req.includeValues === true)),
      position:
        next < matching.length ? Buffer.from(String(next)).toString('base64url') : undefined,
    };
  }

  async update(req: UpdateApiKeyRequest): Promise<{ apiKey: ApiKeyView }> {
    const previous = await this.existing(req.id);
    const stageKeys = new Set(previous.stageKeys);
    for (const stageKey of req.addStageKeys ?? []) stageKeys.add(stageKey);
    for (const stageKey of req.removeStageKeys ?? []) stageKeys.delete(stageKey);
    const key: StoredApiKey = {
      ...previous,
      ...definedOf({
        name: req.name,
        description: req.description,
        enabled: req.enabled,
        customerId: req.customerId,
      }),
      stageKeys: [...stageKeys],
      lastUpdatedDate: Date.now(),
    };
    if ((await this.store.put(key, previous)) !== 'written') throw concurrentChange();
    this.events.changed(key.id, 'updated');
    return { apiKey: this.view(key, false) };
  }

  async delete(req: DeleteApiKeyRequest): Promise<object> {
    const key = await this.existing(req.id);
    if (!(await this.store.delete(key))) throw concurrentChange();
    this.events.changed(key.id, 'deleted');
    return {};
  }

  /**
   * Creates the keys, all or none; a value some key has already replaces that key's fields and
   * keeps its id (AWS's import overwrites).
   */
  async import(req: ImportApiKeysRequest): Promise<{ ids: string[] }> {
    if (!Array.isArray(req.keys)) throw new ServiceError('BadRequest', 'keys must be a list');
    const now = Date.now();
    // One key per value: a value listed twice takes its last row's fields.
    const byDigest = new Map<string, (typeof req.keys)[number]>();
    for (const entry of req.keys) {
      checkValue(entry.value);
      const digest = this.box.digest(entry.value);
      byDigest.delete(digest);
      byDigest.set(digest, entry);
    }
    const keys: Array<{ key: StoredApiKey; previous?: StoredApiKey; aliases: string[] }> = [];
    for (const entry of byDigest.values()) {
      // A key still under a previous secret is found, and moves to the current one.
      const aliases = this.box.digests(entry.value);
      const previous = await this.store.byDigests(aliases);
      const key = this.stored(entry.value, entry, {
        id: previous?.id ?? generate(ID_ALPHABET, ID_LENGTH),
        now,
        createdDate: previous?.createdDate,
      });
      keys.push({ key, previous, aliases });
    }
    if (!(await this.store.putMany(keys))) throw concurrentChange();
    for (const { key, previous } of keys) {
      this.events.changed(key.id, previous ? 'updated' : 'created');
    }
    return { ids: keys.map(({ key }) => key.id) };
  }

  private async existing(id: unknown): Promise<StoredApiKey> {
    const key = typeof id === 'string' && id !== '' ? await this.store.get(id) : undefined;
    if (!key) throw new ServiceError('NotFound', 'Invalid API Key identifier specified');
    return key;
  }

  private stored(
    value: string,
    fields: NewApiKey,
    at: { id: string; now: number; createdDate?: number },
  ): StoredApiKey {
    return {
      id: at.id,
      name: fields.name ?? at.id,
      ...definedOf({ description: fields.description, customerId: fields.customerId }),
      enabled: fields.enabled ?? false,
      stageKeys: fields.stageKeys ?? [],
      tags: fields.tags ?? {},
      createdDate: at.createdDate ?? at.now,
      lastUpdatedDate: at.now,
      digest: this.box.digest(value),
      box: this.box.seal(value),
    };
  }

  private view(key: StoredApiKey, withValue: boolean): ApiKeyView {
    const { digest: _digest, box, ...record } = key;
    return withValue
      ? { ...record, value: this.box.openStored(box, { apiKeyId: key.id }) }
      : record;
  }
}

/** A key another call changed or deleted between this call's read and its write. */
function concurrentChange(): ServiceError {
  return new ServiceError(
    'Conflict',
    'The API key was changed or deleted by another request meanwhile; read it again and retry',
  );
}

function validLength(value: string): boolean {
  return value.length >= API_KEY_MIN_LENGTH && value.length <= API_KEY_MAX_LENGTH;
}

function checkValue(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !validLength(value) || !/^[\x21-\x7e]+$/.test(value)) {
    throw new ServiceError(
      'BadRequest',
      `API Key value must be ${API_KEY_MIN_LENGTH} to ${API_KEY_MAX_LENGTH} printable ASCII characters`,
    );
  }
}

function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function positionOffset(position: string | undefined): number {
  if (position === undefined) return 0;
  const decoded = Buffer.from(position, 'base64url').toString();
  if (!/^[0-9]{1,9}$/.test(decoded)) throw new ServiceError('BadRequest', 'Invalid position');
  return Number(decoded);
}

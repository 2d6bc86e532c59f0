import {
  AUTH_APIKEY_CHANGED,
  AUTH_APIKEY_CREATE,
  AUTH_APIKEY_DELETE,
  AUTH_APIKEY_IMPORT,
  AUTH_APIKEY_LIST,
  AUTH_APIKEY_UPDATE,
  AUTH_APIKEY_VERIFY,
  AUTH_REVISION,
} from '@portico/contracts';
import { ConfigError } from '@portico/platform';
import { eventually, type TestInfra } from '@portico/testing';
import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { loadAuthConfig } from '../config';
import { ApiKeyStore } from '../keys/api-key-store';
import { SecretBox } from '../keys/secret-box';
import { type AuthUnderTest, type SeenEvent, startAuthUnderTest } from './auth-harness';

const SECRET = Buffer.alloc(32, 1).toString('base64');

describe('AUTH_SECRET_KEY', () => {
  it('is required, and must be 32 bytes of base64', () => {
    for (const value of [
      undefined,
      'c2hvcnQ=',
      Buffer.alloc(33).toString('base64'),
      '!'.repeat(44),
    ]) {
      expect(() => loadAuthConfig({ AUTH_SECRET_KEY: value })).toThrow(ConfigError);
      expect(() => loadAuthConfig({ AUTH_SECRET_KEY: value })).toThrow(/AUTH_SECRET_KEY/);
    }
    expect(loadAuthConfig({ AUTH_SECRET_KEY: SECRET }).AUTH_SECRET_KEY).toBe(SECRET);
  });
});

describe('SecretBox', () => {
  const box = new SecretBox(Buffer.from(SECRET, 'base64'));

  it('opens what it sealed, and seals the same value differently each time', () => {
    const value = 'k'.repeat(40);
    const a = box.seal(value);
    expect(box.open(a)).toBe(value);
    expect(box.seal(value)).not.toBe(a);
    expect(a).not.toContain(value);
  });

  it('refuses a box altered in any part, or sealed with another secret', () => {
    const sealed = box.seal('k'.repeat(40));
    const parts = sealed.split('.');
    for (let i = 1; i < parts.length; i++) {
      const altered = [...parts];
      const part = altered[i]!;
      altered[i] = (part[0] === 'A' ? 'B' : 'A') + part.slice(1);
      expect(() => box.open(altered.join('.'))).toThrow();
    }
    expect(() => box.open('v2.a.b.c')).toThrow(/Not a sealed/);
    const other = new SecretBox(Buffer.alloc(32, 2));
    expect(() => other.open(sealed)).toThrow();
  });

  it('hashes a value the same way every time, and differently under another secret', () => {
    const other = new SecretBox(Buffer.alloc(32, 2));
    expect(box.digest('value')).toBe(box.digest('value'));
    expect(box.digest('value')).not.toBe(box.digest('other'));
    expect(other.digest('value')).not.toBe(box.digest('value'));
  });
});

/** The auth service over real NATS and Redis: what edges and control see on its subjects. */
describe('the auth service', () => {
  let auth: AuthUnderTest;
  let infra: TestInfra;
  let redis: Redis;
  let events: SeenEvent[];
  let call: AuthUnderTest['call'];

  beforeAll(async () => {
    auth = await startAuthUnderTest(SECRET, [AUTH_APIKEY_CHANGED, AUTH_REVISION]);
    ({ infra, redis, events, call } = auth);
  });

  afterAll(() => auth?.close());

  it('verifies a value: the key it names, or none', async () => {
    const created = (await call(AUTH_APIKEY_CREATE, { name: 'a', enabled: true })) as {
      ok: true;
      apiKey: { id: string; value: string };
    };
    expect(created.ok).toBe(true);
    expect(await call(AUTH_APIKEY_VERIFY, { value: created.apiKey.value })).toEqual({
      ok: true,
      key: { id: created.apiKey.id, enabled: true },
    });
    expect(await call(AUTH_APIKEY_VERIFY, { value: 'n'.repeat(40) })).toEqual({ ok: true });
    // Values of an impossible length are never looked up.
    expect(await call(AUTH_APIKEY_VERIFY, { value: 'short' })).toEqual({ ok: true });
    expect(await call(AUTH_APIKEY_VERIFY, { value: 42 })).toEqual({ ok: true });
  });

  it('answers a malformed request BadRequest and keeps serving', async () => {
    expect(await call(AUTH_APIKEY_VERIFY, 'not json')).toMatchObject({
      ok: false,
      error: { code: 'BadRequest' },
    });
    expect(await call(AUTH_APIKEY_UPDATE, { name: 'no id' })).toMatchObject({
      ok: false,
      error: { code: 'NotFound' },
    });
    expect(await call(AUTH_APIKEY_LIST, { limit: 5, position: '!!' })).toMatchObject({
      ok: false,
      error: { code: 'BadRequest' },
    });
  });

  it('announces every change, and its revision, to edges', async () => {
    const created = (await call(AUTH_APIKEY_CREATE, { name: 'evented' })) as {
      apiKey: { id: string };
    };
    const id = created.apiKey.id;
    const revisionBefore = await redis.get(`${infra.redisKeyPrefix}{auth}:revision`);
    await call(AUTH_APIKEY_UPDATE, { id, enabled: true });
    await call(AUTH_APIKEY_DELETE, { id });
    await eventually(() =>
      expect(
        events.filter((e) => e.subject === AUTH_APIKEY_CHANGED && e.data.apiKeyId === id),
      ).toEqual([
        { subject: AUTH_APIKEY_CHANGED, data: { apiKeyId: id, change: 'created' } },
        { subject: AUTH_APIKEY_CHANGED, data: { apiKeyId: id, change: 'updated' } },
        { subject: AUTH_APIKEY_CHANGED, data: { apiKeyId: id, change: 'deleted' } },
      ]),
    );
    const revisionAfter = await redis.get(`${infra.redisKeyPrefix}{auth}:revision`);
    expect(revisionAfter).not.toBe(revisionBefore);
    await eventually(() =>
      expect(
        events.some((e) => e.subject === AUTH_REVISION && e.data.revision === revisionAfter),
      ).toBe(true),
    );
  });

  it('imports all keys or none', async () => {
    const good = 'i'.repeat(40);
    expect(
      await call(AUTH_APIKEY_IMPORT, { keys: [{ value: good }, { value: 'too short' }] }),
    ).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
    expect(await call(AUTH_APIKEY_VERIFY, { value: good })).toEqual({ ok: true });
  });

  it('keeps the value sealed: the record holds neither it nor anything searchable by it', async () => {
    const value = 's'.repeat(50);
    const created = (await call(AUTH_APIKEY_CREATE, { value })) as { apiKey: { id: string } };
    const raw = await redis.get(`${infra.redisKeyPrefix}{auth}:ak:${created.apiKey.id}`);
    expect(raw).not.toContain(value);
    const index = await redis.keys(`${infra.redisKeyPrefix}{auth}:akd:*`);
    expect(index.some((k) => k.includes(value))).toBe(false);
    // The index is keyed with the secret: a plain SHA-256 of a guessed value finds nothing.
    for (const encoding of ['hex', 'base64url'] as const) {
      const plain = createHash('sha256').update(value).digest(encoding);
      expect(index.some((k) => k.endsWith(plain))).toBe(false);
    }
  });

  it('never resurrects a deleted key nor loses a concurrent change', async () => {
    const store = new ApiKeyStore(redis, infra.redisKeyPrefix);
    const created = (await call(AUTH_APIKEY_CREATE, { name: 'raced', enabled: true })) as {
      apiKey: { id: string; value: string };
    };
    const read = (await store.get(created.apiKey.id))!;
    // Two writers read the same record; the second one's write would undo the first's.
    expect(await store.put({ ...read, enabled: false }, read)).toBe('written');
    expect(await store.put({ ...read, name: 'renamed' }, read)).toBe('changed');
    expect((await store.get(read.id))?.enabled).toBe(false);
    // An update that read the key before it was deleted writes nothing.
    const current = (await store.get(read.id))!;
    expect(await call(AUTH_APIKEY_DELETE, { id: read.id })).toEqual({ ok: true });
    expect(await store.put({ ...current, name: 'ghost' }, current)).toBe('changed');
    expect(await store.get(read.id)).toBeUndefined();
    expect(await call(AUTH_APIKEY_VERIFY, { value: created.apiKey.value })).toEqual({ ok: true });
    // A delete that read an older record deletes nothing.
    const again = (await call(AUTH_APIKEY_CREATE, { name: 'again' })) as { apiKey: { id: string } };
    const stale = (await store.get(again.apiKey.id))!;
    await call(AUTH_APIKEY_UPDATE, { id: again.apiKey.id, enabled: true });
    expect(await store.delete(stale)).toBe(false);
    expect((await store.get(again.apiKey.id))?.enabled).toBe(true);
  });

  it('imports a value listed twice once, with its last row, and never over a concurrent change', async () => {
    const value = 'd'.repeat(40);
    const imported = (await call(AUTH_APIKEY_IMPORT, {
      keys: [
        { value, name: 'first' },
        { value, name: 'last', enabled: true },
      ],
    })) as { ok: true; ids: string[] };
    expect(imported.ids).toHaveLength(1);
    expect(await call(AUTH_APIKEY_VERIFY, { value })).toEqual({
      ok: true,
      key: { id: imported.ids[0], enabled: true },
    });
    // A batch that read a key before it was deleted writes none of its keys.
    const store = new ApiKeyStore(redis, infra.redisKeyPrefix);
    const read = (await store.get(imported.ids[0]!))!;
    expect(await call(AUTH_APIKEY_DELETE, { id: read.id })).toEqual({ ok: true });
    const fresh = { ...read, id: 'freshkey01', digest: 'fresh-digest', name: 'fresh' };
    expect(
      await store.putMany([{ key: { ...read, name: 'ghost' }, previous: read }, { key: fresh }]),
    ).toBe(false);
    expect(await store.get(read.id)).toBeUndefined();
    expect(await store.get('freshkey01')).toBeUndefined();
  });

  it('answers Unavailable while Redis is down, and serves again when it returns', async () => {
    if (process.env.REDIS_URL) return; // Redis is the caller's: it cannot be stopped here.
    await infra.stopRedis();
    try {
      expect(await call(AUTH_APIKEY_VERIFY, { value: 'r'.repeat(40) })).toMatchObject({
        ok: false,
        error: { code: 'Unavailable' },
      });
    } finally {
      await infra.startRedis();
    }
    await eventually(async () =>
      expect(await call(AUTH_APIKEY_VERIFY, { value: 'r'.repeat(40) })).toEqual({ ok: true }),
    );
  });
});

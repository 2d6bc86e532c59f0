import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import {
  AUTH_APIKEY_CHANGED,
  AUTH_APIKEY_CREATE,
  AUTH_APIKEY_GET,
  AUTH_APIKEY_IMPORT,
  AUTH_APIKEY_UPDATE,
  AUTH_APIKEY_VERIFY,
  AUTH_CREDENTIAL_CHANGED,
  AUTH_CREDENTIAL_CREATE,
  AUTH_CREDENTIAL_SIGNING_KEY,
  AUTH_CREDENTIAL_UPDATE,
  type CredentialView,
} from '@portico/contracts';
import { Logger } from '@nestjs/common';
import { ConfigError, ServiceError } from '@portico/platform';
import { eventually } from '@portico/testing';
import { loadAuthConfig } from '../config';
import { CredentialStore } from '../credentials/credential-store';
import { ApiKeyStore } from '../keys/api-key-store';
import { SecretBox } from '../keys/secret-box';
import { type AuthUnderTest, startAuthUnderTest } from './auth-harness';

const A = Buffer.alloc(32, 0xa1).toString('base64');
const B = Buffer.alloc(32, 0xb2).toString('base64');
const C = Buffer.alloc(32, 0xc3).toString('base64');
const D = Buffer.alloc(32, 0xd4).toString('base64');
const bytes = (key: string) => Buffer.from(key, 'base64');

/** The derivations as docs/api-keys.md describes them, computed here independently. */
const hkdf = (key: string, info: string, length = 32) =>
  Buffer.from(hkdfSync('sha256', bytes(key), '', info, length));
const keyId = (key: string) => hkdf(key, 'portico secret key id', 6).toString('base64url');
const digestUnder = (key: string, value: string) =>
  createHmac('sha256', hkdf(key, 'portico api key lookup')).update(value).digest('base64url');
/** A box in the first format (no key id), as the service wrote them before rotation existed. */
function legacyBox(key: string, value: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', hkdf(key, 'portico api key encryption'), iv);
  const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), sealed].map((p) => p.toString('base64url')).join('.');
}

describe('AUTH_PREVIOUS_SECRET_KEYS', () => {
  it('takes comma-separated keys of the same format, none of them the current one', () => {
    const config = loadAuthConfig({ AUTH_SECRET_KEY: B, AUTH_PREVIOUS_SECRET_KEYS: `${A}, ${C}` });
    expect(config.AUTH_PREVIOUS_SECRET_KEYS).toBe(`${A}, ${C}`);
    expect(loadAuthConfig({ AUTH_SECRET_KEY: B }).AUTH_PREVIOUS_SECRET_KEYS).toBe('');
    for (const value of [`${A},c2hvcnQ=`, `${A},${B}`, `${A},${A}`, '!'.repeat(44)]) {
      const load = () => loadAuthConfig({ AUTH_SECRET_KEY: B, AUTH_PREVIOUS_SECRET_KEYS: value });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/AUTH_PREVIOUS_SECRET_KEYS/);
    }
  });

  it('never prints a key in its error', () => {
    try {
      loadAuthConfig({ AUTH_SECRET_KEY: B, AUTH_PREVIOUS_SECRET_KEYS: `${A},${B}` });
      throw new Error('accepted');
    } catch (err) {
      expect(String(err)).toMatch(/entry 2/);
      expect(String(err)).not.toContain(B);
      expect(String(err)).not.toContain(A);
    }
  });
});

describe('SecretBox with previous secrets', () => {
  const underA = new SecretBox(bytes(A));
  const rotating = new SecretBox(bytes(B), [bytes(A)]);
  const value = 'a-secret-value-0123456789abcdefghij';

  it("seals with the current secret and names it; opens a previous secret's boxes, both formats", () => {
    const sealed = rotating.seal(value);
    expect(sealed.startsWith(`v2.${keyId(B)}.`)).toBe(true);
    expect(rotating.inspect(sealed)).toEqual({ state: 'current' });
    expect(() => underA.open(sealed)).toThrow(/No configured secret/);
    for (const box of [underA.seal(value), legacyBox(A, value)]) {
      expect(rotating.open(box)).toBe(value);
      expect(rotating.inspect(box)).toEqual({ state: 'previous', value });
    }
    expect(rotating.inspect(legacyBox(B, value))).toEqual({ state: 'legacy', value });
    expect(rotating.digests(value)).toEqual([digestUnder(B, value), digestUnder(A, value)]);
  });

  it('refuses what no configured secret sealed: an Internal error, logged, never a wrong value', () => {
    const other = new SecretBox(bytes(C), [bytes(D)]);
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    for (const box of [underA.seal(value), legacyBox(A, value)]) {
      expect(other.inspect(box)).toEqual({ state: 'unreadable' });
      expect(() => other.openStored(box, { apiKeyId: 'x' })).toThrow(ServiceError);
      expect(() => other.openStored(box, { apiKeyId: 'x' })).toThrow('cannot be read');
    }
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ apiKeyId: 'x' }),
      expect.stringMatching(/cannot be opened/),
    );
    logged.mockRestore();
    // A box naming the current key id but altered does not open either.
    const sealed = rotating.seal(value).split('.');
    sealed[4] = (sealed[4]![0] === 'A' ? 'B' : 'A') + sealed[4]!.slice(1);
    expect(() => rotating.open(sealed.join('.'))).toThrow();
    expect(rotating.inspect('garbage')).toEqual({ state: 'unreadable' });
  });
});

type Reply = Record<string, unknown> & { ok: boolean };
const SCOPE = { date: '20240102', region: 'us-east-1', service: 'execute-api' };

/**
 * A rotation end to end over real NATS and Redis: keys and credentials made under A (some in
 * the first box format), the service restarted with B and A as previous, then B alone, then
 * with keys that do not fit.
 */
describe('rotating AUTH_SECRET_KEY', () => {
  let auth: AuthUnderTest;
  let keys: ApiKeyStore;
  let credentials: CredentialStore;
  const call = (subject: string, body: unknown) => auth.call(subject, body) as Promise<Reply>;
  /** A call whose reply is known to be a success of this shape. */
  const ask = <T>(subject: string, body: unknown) => auth.call(subject, body) as Promise<T>;
  /** Every API key: id → value. */
  const values = new Map<string, string>();
  /** Every credential: access key id → its signing key for SCOPE. */
  const signing = new Map<string, string>();
  const prefix = () => `${auth.infra.redisKeyPrefix}{auth}:`;

  async function metric(name: string): Promise<number | undefined> {
    const res = await fetch(`http://127.0.0.1:${auth.service.opsPort}/metrics`);
    const found = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(await res.text());
    return found ? Number(found[1]) : undefined;
  }

  /** Every key of the auth store and its value. */
  async function snapshot(): Promise<Record<string, string | null>> {
    const names = (await auth.redis.keys(`${prefix()}*`)).sort();
    const out: Record<string, string | null> = {};
    for (const name of names) {
      out[name] =
        (await auth.redis.type(name)) === 'string'
          ? await auth.redis.get(name)
          : JSON.stringify(await auth.redis.zrange(name, 0, -1, 'WITHSCORES'));
    }
    return out;
  }

  async function expectEverythingWorks(): Promise<void> {
    for (const [id, value] of values) {
      expect(await call(AUTH_APIKEY_VERIFY, { value })).toEqual({
        ok: true,
        key: { id, enabled: true },
      });
      expect(await call(AUTH_APIKEY_GET, { id, includeValue: true })).toMatchObject({
        ok: true,
        apiKey: { id, value },
      });
    }
    for (const [accessKeyId, signingKey] of signing) {
      expect(await call(AUTH_CREDENTIAL_SIGNING_KEY, { accessKeyId, ...SCOPE })).toMatchObject({
        ok: true,
        credential: { accessKeyId, signingKey },
      });
    }
  }

  beforeAll(async () => {
    auth = await startAuthUnderTest(A, [AUTH_APIKEY_CHANGED, AUTH_CREDENTIAL_CHANGED]);
    keys = new ApiKeyStore(auth.redis, auth.infra.redisKeyPrefix);
    credentials = new CredentialStore(auth.redis, auth.infra.redisKeyPrefix);
  });

  afterAll(() => auth?.close());

  it('starts with keys and credentials under A, some in the first box format', async () => {
    for (const body of [
      { name: 'given', enabled: true, value: 'rotation-given-value-0123456789abcdef' },
      { name: 'generated', enabled: true },
    ]) {
      const reply = await ask<{ apiKey: { id: string; value: string } }>(AUTH_APIKEY_CREATE, body);
      values.set(reply.apiKey.id, reply.apiKey.value);
    }
    const legacyValue = 'rotation-legacy-value-0123456789abcdef';
    const now = Date.now();
    await keys.put({
      id: 'legacy0001',
      name: 'legacy',
      enabled: true,
      stageKeys: [],
      tags: {},
      createdDate: now,
      lastUpdatedDate: now,
      digest: digestUnder(A, legacyValue),
      box: legacyBox(A, legacyValue),
    });
    values.set('legacy0001', legacyValue);

    for (const body of [
      { accessKeyId: 'PKIAROTATION00000001', secretAccessKey: 'rotation-secret-one-0123456789' },
      {},
    ]) {
      const reply = await ask<{ credential: CredentialView }>(AUTH_CREDENTIAL_CREATE, {
        userName: 'rotator',
        ...body,
      });
      signing.set(reply.credential.accessKeyId, '');
    }
    await credentials.put({
      accessKeyId: 'PKIAROTATIONLEGACY01',
      userName: 'legacy',
      enabled: true,
      policies: [],
      tags: {},
      createdDate: now,
      lastUpdatedDate: now,
      box: legacyBox(A, 'rotation-legacy-secret-0123456789'),
    });
    signing.set('PKIAROTATIONLEGACY01', '');
    for (const accessKeyId of signing.keys()) {
      const reply = await ask<{ credential: { signingKey: string } }>(AUTH_CREDENTIAL_SIGNING_KEY, {
        accessKeyId,
        ...SCOPE,
      });
      signing.set(accessKeyId, reply.credential.signingKey);
    }
    await expectEverythingWorks();
  });

  it('with B current and A previous, everything verifies and opens before anything moves', async () => {
    // A pass an hour away: what is read here is still under A.
    await auth.restart(B, { AUTH_PREVIOUS_SECRET_KEYS: A, AUTH_ROTATION_INTERVAL_MS: '3600000' });
    await expectEverythingWorks();
    for (const [id, value] of values) {
      expect(await auth.redis.get(`${prefix()}akd:${digestUnder(A, value)}`)).toBe(id);
    }
    expect(await metric('portico_auth_records_under_previous_key')).toBeNaN();

    // A value that a key under A has is taken, though its digest under B is not indexed yet.
    const [givenId, given] = [...values][0]!;
    expect(await call(AUTH_APIKEY_CREATE, { value: given })).toMatchObject({
      ok: false,
      error: { code: 'Conflict' },
    });
    // A new key is made under B.
    const created = await ask<{ apiKey: { id: string; value: string } }>(AUTH_APIKEY_CREATE, {
      name: 'under-b',
      enabled: true,
    });
    values.set(created.apiKey.id, created.apiKey.value);
    expect((await keys.get(created.apiKey.id))!.box.startsWith(`v2.${keyId(B)}.`)).toBe(true);

    // Importing a value a key under A has overwrites that key and moves it to B.
    expect(
      await call(AUTH_APIKEY_IMPORT, { keys: [{ value: given, name: 'imported', enabled: true }] }),
    ).toEqual({ ok: true, ids: [givenId] });
    expect(await auth.redis.get(`${prefix()}akd:${digestUnder(A, given)}`)).toBeNull();
    expect(await auth.redis.get(`${prefix()}akd:${digestUnder(B, given)}`)).toBe(givenId);
    await expectEverythingWorks();
  });

  it('keeps a change made between the rotation reading a record and writing it', async () => {
    const box = new SecretBox(bytes(B), [bytes(A)]);
    const [id, value] = [...values].find(([, v]) => v.startsWith('rotation-legacy'))!;
    const read = (await keys.get(id))!;
    expect(await call(AUTH_APIKEY_UPDATE, { id, name: 'renamed meanwhile' })).toMatchObject({
      ok: true,
    });
    const moved = { ...read, digest: box.digest(value), box: box.seal(value) };
    expect(await keys.rekey(moved, read)).toBe('changed');
    expect(await keys.get(id)).toMatchObject({ name: 'renamed meanwhile', digest: read.digest });
    expect(await auth.redis.get(`${prefix()}akd:${digestUnder(B, value)}`)).toBeNull();

    const credential = (await credentials.get('PKIAROTATION00000001'))!;
    expect(
      await call(AUTH_CREDENTIAL_UPDATE, {
        accessKeyId: credential.accessKeyId,
        description: 'changed meanwhile',
      }),
    ).toMatchObject({ ok: true });
    const resealed = { ...credential, box: box.seal(box.open(credential.box)) };
    expect(await credentials.reseal(resealed, credential)).toBe(false);
    expect(await credentials.get(credential.accessKeyId)).toMatchObject({
      description: 'changed meanwhile',
      box: credential.box,
    });
  });

  it('moves every record to B without announcing a change, and says when it is done', async () => {
    const revision = await auth.redis.get(`${prefix()}revision`);
    const seen = auth.events.length;
    const logged = jest.spyOn(Logger.prototype, 'log');
    await auth.restart(B, { AUTH_PREVIOUS_SECRET_KEYS: A, AUTH_ROTATION_INTERVAL_MS: '200' });
    await eventually(async () => {
      expect(await metric('portico_auth_records_under_previous_key')).toBe(0);
    });
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ moved: 5 }),
      'rotation complete: no record under a previous key',
    );
    logged.mockRestore();
    expect(await metric('portico_auth_records_unreadable')).toBe(0);

    const all = await snapshot();
    const records = Object.entries(all).filter(([name]) => /:(ak|cr):[^:]+$/.test(name));
    expect(records).toHaveLength(values.size + signing.size);
    for (const [, json] of records) {
      expect((JSON.parse(json!) as { box: string }).box.startsWith(`v2.${keyId(B)}.`)).toBe(true);
    }
    const indexed = Object.keys(all).filter((name) => name.includes(':akd:'));
    expect(indexed.sort()).toEqual(
      [...values.values()].map((value) => `${prefix()}akd:${digestUnder(B, value)}`).sort(),
    );
    // The changes made while the records were under A are still there.
    expect(await keys.get('legacy0001')).toMatchObject({ name: 'renamed meanwhile' });
    expect(await credentials.get('PKIAROTATION00000001')).toMatchObject({
      description: 'changed meanwhile',
    });
    expect(await auth.redis.get(`${prefix()}revision`)).toBe(revision);
    expect(auth.events.slice(seen)).toEqual([]);
    await expectEverythingWorks();
  });

  it('works with B alone once the rotation is done', async () => {
    await auth.restart(B, { AUTH_ROTATION_INTERVAL_MS: '200' });
    await expectEverythingWorks();
    await eventually(async () => {
      expect(await metric('portico_auth_records_under_previous_key')).toBe(0);
    });
  });

  it('reports records no configured key opens, answers them as unknown, rewrites nothing', async () => {
    const total = values.size + signing.size;
    const before = await snapshot();
    for (const env of [{}, { AUTH_PREVIOUS_SECRET_KEYS: D }] as Array<Record<string, string>>) {
      const logged = jest.spyOn(Logger.prototype, 'error');
      await auth.restart(C, { ...env, AUTH_ROTATION_INTERVAL_MS: '200' });
      await eventually(async () => {
        expect(await metric('portico_auth_records_under_previous_key')).toBe(total);
        expect(await metric('portico_auth_records_unreadable')).toBe(total);
      });
      expect(logged).toHaveBeenCalledWith(
        expect.objectContaining({ unreadable: total, ids: expect.arrayContaining(['legacy0001']) }),
        expect.stringMatching(/not configured/),
      );
      logged.mockRestore();
      for (const [id, value] of values) {
        expect(await call(AUTH_APIKEY_VERIFY, { value })).toEqual({ ok: true });
        expect(await call(AUTH_APIKEY_GET, { id, includeValue: true })).toEqual({
          ok: false,
          error: { code: 'Internal', message: 'The stored secret cannot be read' },
        });
        expect(await call(AUTH_APIKEY_GET, { id })).toMatchObject({ ok: true, apiKey: { id } });
      }
      for (const accessKeyId of signing.keys()) {
        expect(await call(AUTH_CREDENTIAL_SIGNING_KEY, { accessKeyId, ...SCOPE })).toMatchObject({
          ok: false,
          error: { code: 'Internal' },
        });
      }
      expect(await snapshot()).toEqual(before);
    }
    // With B back as a previous key, C takes everything over.
    await auth.restart(C, { AUTH_PREVIOUS_SECRET_KEYS: B, AUTH_ROTATION_INTERVAL_MS: '200' });
    await eventually(async () => {
      expect(await metric('portico_auth_records_under_previous_key')).toBe(0);
    });
    await expectEverythingWorks();
  });

  it('leaves a key whose value another key has under the current key, and keeps counting it', async () => {
    // Written under B (now previous) by a replica that did not know the value was taken.
    const [takenId, value] = [...values][0]!;
    const now = Date.now();
    const dupe = {
      id: 'dupe000001',
      name: 'dupe',
      enabled: true,
      stageKeys: [],
      tags: {},
      createdDate: now,
      lastUpdatedDate: now,
      digest: digestUnder(B, value),
      box: new SecretBox(bytes(B)).seal(value),
    };
    expect(await keys.put(dupe)).toBe('written');
    await eventually(async () => {
      expect(await metric('portico_auth_records_under_previous_key')).toBe(1);
    });
    expect(await metric('portico_auth_records_unreadable')).toBe(0);
    expect(await keys.get(dupe.id)).toEqual(dupe);
    expect(await call(AUTH_APIKEY_VERIFY, { value })).toMatchObject({ key: { id: takenId } });
    expect(await keys.delete(dupe)).toBe(true);
    await eventually(async () => {
      expect(await metric('portico_auth_records_under_previous_key')).toBe(0);
    });
  });
});

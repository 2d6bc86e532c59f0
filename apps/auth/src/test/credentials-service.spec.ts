import { createHmac } from 'node:crypto';
import {
  AUTH_CREDENTIAL_CHANGED,
  AUTH_CREDENTIAL_CREATE,
  AUTH_CREDENTIAL_DELETE,
  AUTH_CREDENTIAL_GET,
  AUTH_CREDENTIAL_LIST,
  AUTH_CREDENTIAL_SIGNING_KEY,
  AUTH_CREDENTIAL_UPDATE,
  AUTH_REVISION,
  type CredentialView,
} from '@portico/contracts';
import { eventually, type TestInfra } from '@portico/testing';
import type Redis from 'ioredis';
import { CredentialStore } from '../credentials/credential-store';
import { type AuthUnderTest, type SeenEvent, startAuthUnderTest } from './auth-harness';

const SECRET = Buffer.alloc(32, 3).toString('base64');
const ACCOUNT = '210987654321';

const ALLOW_PETS = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'execute-api:Invoke',
      Resource: 'arn:aws:execute-api:us-east-1:*:*/prod/GET/pets/*',
    },
  ],
};

/** The signing key as SigV4 defines it, computed here independently of the service. */
function expectedSigningKey(secret: string, date: string, region: string, service: string): string {
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  for (const part of [region, service, 'aws4_request']) {
    key = createHmac('sha256', key).update(part).digest();
  }
  return key.toString('base64');
}

type Reply = Record<string, unknown> & { ok: boolean };
type CredentialReply = { ok: true; credential: CredentialView };

/** IAM-style credentials in the auth service over real NATS and Redis. */
describe('credentials in the auth service', () => {
  let auth: AuthUnderTest;
  let infra: TestInfra;
  let redis: Redis;
  let events: SeenEvent[];
  const call = (subject: string, body: unknown) => auth.call(subject, body) as Promise<Reply>;
  const create = async (body: object): Promise<CredentialView> => {
    const reply = await call(AUTH_CREDENTIAL_CREATE, body);
    expect(reply).toMatchObject({ ok: true });
    return (reply as CredentialReply).credential;
  };
  const revision = () => redis.get(`${infra.redisKeyPrefix}{auth}:revision`);

  beforeAll(async () => {
    auth = await startAuthUnderTest(SECRET, [AUTH_CREDENTIAL_CHANGED, AUTH_REVISION], {
      PORTICO_ACCOUNT_ID: ACCOUNT,
    });
    ({ infra, redis, events } = auth);
  });

  afterAll(() => auth?.close());

  it('creates, reads, updates and deletes a credential; the secret only in the create reply', async () => {
    const created = await create({
      accessKeyId: 'PKIATESTCRUD00000001',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      userName: 'alice@example.com',
      description: 'first',
      policies: [ALLOW_PETS],
    });
    expect(created).toEqual({
      accessKeyId: 'PKIATESTCRUD00000001',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      userName: 'alice@example.com',
      description: 'first',
      enabled: true,
      policies: [ALLOW_PETS],
      tags: {},
      createdDate: expect.any(Number),
      lastUpdatedDate: created.createdDate,
    });
    const { secretAccessKey: _secret, ...record } = created;
    expect(await call(AUTH_CREDENTIAL_GET, { accessKeyId: created.accessKeyId })).toEqual({
      ok: true,
      credential: record,
    });
    const updated = await call(AUTH_CREDENTIAL_UPDATE, {
      accessKeyId: created.accessKeyId,
      userName: 'bob',
      description: '',
      enabled: false,
      policies: [],
    });
    expect((updated as CredentialReply).credential).toEqual({
      ...record,
      userName: 'bob',
      description: undefined,
      enabled: false,
      policies: [],
      lastUpdatedDate: expect.any(Number),
    });
    expect((updated as CredentialReply).credential).not.toHaveProperty('description');
    expect(await call(AUTH_CREDENTIAL_DELETE, { accessKeyId: created.accessKeyId })).toEqual({
      ok: true,
    });
    expect(await call(AUTH_CREDENTIAL_GET, { accessKeyId: created.accessKeyId })).toEqual({
      ok: false,
      error: {
        code: 'NotFound',
        message: 'The Access Key with id PKIATESTCRUD00000001 cannot be found',
      },
    });
    expect(await call(AUTH_CREDENTIAL_DELETE, { accessKeyId: created.accessKeyId })).toMatchObject({
      ok: false,
      error: { code: 'NotFound' },
    });
  });

  it('generates IAM-like ids and 40-character secrets, never twice the same', async () => {
    const a = await create({ userName: 'generated' });
    const b = await create({ userName: 'generated' });
    expect(a.accessKeyId).toMatch(/^PKIA[A-Z0-9]{16}$/);
    expect(a.secretAccessKey).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(b.accessKeyId).not.toBe(a.accessKeyId);
    expect(b.secretAccessKey).not.toBe(a.secretAccessKey);
  });

  it('refuses a taken id with Conflict, and keeps the first credential as it was', async () => {
    const first = await create({
      accessKeyId: 'PKIATAKEN00000000001',
      secretAccessKey: 's'.repeat(40),
      userName: 'first',
    });
    expect(
      await call(AUTH_CREDENTIAL_CREATE, {
        accessKeyId: first.accessKeyId,
        secretAccessKey: 't'.repeat(40),
        userName: 'second',
      }),
    ).toEqual({
      ok: false,
      error: { code: 'Conflict', message: 'Access key PKIATAKEN00000000001 already exists' },
    });
    const key = await call(AUTH_CREDENTIAL_SIGNING_KEY, {
      accessKeyId: first.accessKeyId,
      date: '20240102',
      region: 'us-east-1',
      service: 'execute-api',
    });
    expect(key).toMatchObject({
      credential: {
        signingKey: expectedSigningKey('s'.repeat(40), '20240102', 'us-east-1', 'execute-api'),
        userArn: `arn:aws:iam::${ACCOUNT}:user/first`,
      },
    });
  });

  it('answers the signing key of the scope asked for, which follows the secret', async () => {
    const secret = 'Secret+With/Symbols=0123456789abcdefghij';
    const created = await create({
      accessKeyId: 'PKIASIGNING000000001',
      secretAccessKey: secret,
      userName: 'signer',
      enabled: false,
      policies: [ALLOW_PETS],
    });
    const scope = { date: '20250301', region: 'eu-west-1', service: 'execute-api' };
    expect(
      await call(AUTH_CREDENTIAL_SIGNING_KEY, { accessKeyId: created.accessKeyId, ...scope }),
    ).toEqual({
      ok: true,
      credential: {
        accessKeyId: created.accessKeyId,
        enabled: false,
        userArn: `arn:aws:iam::${ACCOUNT}:user/signer`,
        policies: [ALLOW_PETS],
        signingKey: expectedSigningKey(secret, scope.date, scope.region, scope.service),
      },
    });
    // Another day, region or service: another key.
    const other = await call(AUTH_CREDENTIAL_SIGNING_KEY, {
      accessKeyId: created.accessKeyId,
      ...scope,
      date: '20250302',
    });
    expect((other.credential as { signingKey: string }).signingKey).toBe(
      expectedSigningKey(secret, '20250302', scope.region, scope.service),
    );
    // A rotated secret changes the key.
    const rotated = 'R'.repeat(40);
    await call(AUTH_CREDENTIAL_UPDATE, {
      accessKeyId: created.accessKeyId,
      secretAccessKey: rotated,
    });
    const after = await call(AUTH_CREDENTIAL_SIGNING_KEY, {
      accessKeyId: created.accessKeyId,
      ...scope,
    });
    expect((after.credential as { signingKey: string }).signingKey).toBe(
      expectedSigningKey(rotated, scope.date, scope.region, scope.service),
    );
  });

  it('answers an unknown or impossible access key id with no credential, a bad scope BadRequest', async () => {
    const scope = { date: '20250301', region: 'us-east-1', service: 'execute-api' };
    expect(
      await call(AUTH_CREDENTIAL_SIGNING_KEY, { accessKeyId: 'PKIANOSUCHKEY0000000', ...scope }),
    ).toEqual({ ok: true });
    expect(
      await call(AUTH_CREDENTIAL_SIGNING_KEY, { accessKeyId: 'lower-case', ...scope }),
    ).toEqual({ ok: true });
    for (const bad of [
      { date: '20250230' },
      { date: '2025-03-01' },
      { region: 'US EAST' },
      { service: '' },
    ]) {
      expect(
        await call(AUTH_CREDENTIAL_SIGNING_KEY, {
          accessKeyId: 'PKIANOSUCHKEY0000000',
          ...scope,
          ...bad,
        }),
      ).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
    }
  });

  it('refuses bad ids, secrets, user names and policies with BadRequest, writing nothing', async () => {
    const revisionBefore = await revision();
    const good = {
      accessKeyId: 'PKIAREFUSED000000001',
      secretAccessKey: 'x'.repeat(40),
      userName: 'refused',
    };
    const cases: Array<[object, RegExp]> = [
      [{ ...good, accessKeyId: 'pkia-lower-case-0001' }, /accessKeyId/],
      [{ ...good, accessKeyId: 'SHORT' }, /accessKeyId/],
      [{ ...good, secretAccessKey: 'short' }, /secretAccessKey/],
      [{ ...good, secretAccessKey: 'has spaces in it and is long enough' }, /secretAccessKey/],
      [{ accessKeyId: good.accessKeyId, userName: 'x' }, /both/],
      [{ ...good, userName: 'no spaces allowed' }, /userName/],
      [{ ...good, userName: 'u'.repeat(65) }, /userName/],
      [{ ...good, policies: [{ Statement: [{ Effect: 'Maybe' }] }] }, /^policies\[0\]: /],
      [
        {
          ...good,
          policies: [
            ALLOW_PETS,
            { Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] },
          ],
        },
        /^policies\[1\]: Principal is not allowed/,
      ],
      [{ ...good, policies: ['{"Statement":[]}'] }, /policies\[0\] must be a policy document/],
      [{ ...good, enabled: 'yes' }, /enabled/],
    ];
    for (const [body, message] of cases) {
      const reply = await call(AUTH_CREDENTIAL_CREATE, body);
      expect(reply).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
      expect((reply.error as { message: string }).message).toMatch(message);
    }
    expect(await call(AUTH_CREDENTIAL_GET, { accessKeyId: good.accessKeyId })).toMatchObject({
      ok: false,
      error: { code: 'NotFound' },
    });
    expect(await revision()).toBe(revisionBefore);
    // An update is checked the same way.
    const created = await create(good);
    expect(
      await call(AUTH_CREDENTIAL_UPDATE, {
        accessKeyId: created.accessKeyId,
        policies: [{ Statement: { Effect: 'Allow', Condition: { Bogus: { k: 'v' } } } }],
      }),
    ).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
    expect(
      ((await call(AUTH_CREDENTIAL_GET, { accessKeyId: created.accessKeyId })) as CredentialReply)
        .credential.policies,
    ).toEqual([]);
  });

  it('moves the auth revision and announces every change to edges', async () => {
    const before = await revision();
    const created = await create({ userName: 'evented' });
    const afterCreate = await revision();
    expect(afterCreate).not.toBe(before);
    await call(AUTH_CREDENTIAL_UPDATE, { accessKeyId: created.accessKeyId, enabled: false });
    const afterUpdate = await revision();
    expect(afterUpdate).not.toBe(afterCreate);
    // A change to nothing writes nothing and tells nobody.
    await call(AUTH_CREDENTIAL_UPDATE, { accessKeyId: created.accessKeyId, enabled: false });
    expect(await revision()).toBe(afterUpdate);
    await call(AUTH_CREDENTIAL_DELETE, { accessKeyId: created.accessKeyId });
    const afterDelete = await revision();
    expect(afterDelete).not.toBe(afterUpdate);
    await eventually(() =>
      expect(
        events.filter(
          (e) =>
            e.subject === AUTH_CREDENTIAL_CHANGED && e.data.accessKeyId === created.accessKeyId,
        ),
      ).toEqual(
        (['created', 'updated', 'deleted'] as const).map((change) => ({
          subject: AUTH_CREDENTIAL_CHANGED,
          data: { accessKeyId: created.accessKeyId, change },
        })),
      ),
    );
    await eventually(() =>
      expect(
        events.some((e) => e.subject === AUTH_REVISION && e.data.revision === afterDelete),
      ).toBe(true),
    );
  });

  it('keeps the secret sealed at rest', async () => {
    const secret = 'PlainSecretThatMustNotBeStored0123456789';
    const created = await create({
      accessKeyId: 'PKIASEALED0000000001',
      secretAccessKey: secret,
      userName: 'sealed',
    });
    const raw = await redis.get(`${infra.redisKeyPrefix}{auth}:cr:${created.accessKeyId}`);
    expect(raw).toContain('sealed');
    expect(raw).not.toContain(secret);
  });

  it('lists in creation order, a page at a time, unaffected by deletes between pages', async () => {
    const all = async (limit: number) => {
      const seen: string[] = [];
      let position: string | undefined;
      do {
        const page = await call(AUTH_CREDENTIAL_LIST, { limit, position });
        expect(page.ok).toBe(true);
        const items = page.items as CredentialView[];
        expect(items.length).toBeLessThanOrEqual(limit);
        expect(items.every((c) => c.secretAccessKey === undefined)).toBe(true);
        seen.push(...items.map((c) => c.accessKeyId));
        position = page.position as string | undefined;
      } while (position);
      return seen;
    };
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await create({ userName: `listed-${i}` })).accessKeyId);
    const listed = await all(2);
    expect(listed.filter((id) => made.includes(id))).toEqual(made);
    expect(new Set(listed).size).toBe(listed.length);
    // Deleting what was on the first page does not skip anything on the next.
    const first = await call(AUTH_CREDENTIAL_LIST, { limit: listed.indexOf(made[1]!) + 1 });
    await call(AUTH_CREDENTIAL_DELETE, { accessKeyId: made[0] });
    await call(AUTH_CREDENTIAL_DELETE, { accessKeyId: made[1] });
    const next = await call(AUTH_CREDENTIAL_LIST, { limit: 500, position: first.position });
    expect((next.items as CredentialView[]).map((c) => c.accessKeyId).slice(0, 3)).toEqual(
      made.slice(2),
    );
    for (const bad of [{ limit: 0 }, { limit: 501 }, { limit: 5, position: '!!' }]) {
      expect(await call(AUTH_CREDENTIAL_LIST, bad)).toMatchObject({
        ok: false,
        error: { code: 'BadRequest' },
      });
    }
  });

  it('loses no concurrent change, and resurrects no deleted credential', async () => {
    const created = await create({ userName: 'raced', description: 'before' });
    const id = created.accessKeyId;
    // Three writers read the same record at once, each changing another field.
    const replies = await Promise.all([
      call(AUTH_CREDENTIAL_UPDATE, { accessKeyId: id, userName: 'renamed' }),
      call(AUTH_CREDENTIAL_UPDATE, { accessKeyId: id, description: 'after' }),
      call(AUTH_CREDENTIAL_UPDATE, { accessKeyId: id, enabled: false }),
      call(AUTH_CREDENTIAL_UPDATE, { accessKeyId: id, policies: [ALLOW_PETS] }),
    ]);
    expect(replies.every((r) => r.ok)).toBe(true);
    expect(
      ((await call(AUTH_CREDENTIAL_GET, { accessKeyId: id })) as CredentialReply).credential,
    ).toMatchObject({
      userName: 'renamed',
      description: 'after',
      enabled: false,
      policies: [ALLOW_PETS],
    });
    // A write that read the credential before it was deleted writes nothing.
    const store = new CredentialStore(redis, infra.redisKeyPrefix);
    const read = (await store.get(id))!;
    expect(await call(AUTH_CREDENTIAL_DELETE, { accessKeyId: id })).toEqual({ ok: true });
    expect(await store.put({ ...read, userName: 'ghost' }, read)).toBe('changed');
    expect(await store.get(id)).toBeUndefined();
    // A delete that read an older record deletes nothing.
    const again = await create({ userName: 'again' });
    const stale = (await store.get(again.accessKeyId))!;
    await call(AUTH_CREDENTIAL_UPDATE, { accessKeyId: again.accessKeyId, enabled: false });
    expect(await store.delete(stale)).toBe(false);
    expect((await store.get(again.accessKeyId))?.enabled).toBe(false);
  });
});

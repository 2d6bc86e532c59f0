import {
  type APIGatewayClient,
  BadRequestException,
  ConflictException,
  CreateApiKeyCommand,
  CreateDeploymentCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  DeleteUsagePlanCommand,
  DeleteUsagePlanKeyCommand,
  GetUsagePlanCommand,
  GetUsagePlanKeyCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
  ImportRestApiCommand,
  NotFoundException,
  UpdateUsagePlanCommand,
} from '@aws-sdk/client-api-gateway';
import { CONTROL_USAGEPLAN_CHANGED, type UsagePlanChangedEvent } from '@portico/contracts';
import {
  connectNats,
  type PinoLogger,
  type RunningService,
  type ServiceHandle,
} from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import Redis from 'ioredis';
import { managementClient, startTestAuth, startTestControl } from './support/services';
import { MOCK_200 } from './support/openapi-fixtures';

const API = `
openapi: 3.0.1
info: { title: Planned, version: '1' }
paths:
  /pets:
    get:${MOCK_200}
`;

/** Usage plans and plan keys through the AWS SDK, against control with the auth service. */
describe('usage plans (management)', () => {
  let infra: TestInfra;
  let control: RunningService;
  let auth: ServiceHandle | undefined;
  let sdk: APIGatewayClient;
  let apiId: string;
  let nc: Awaited<ReturnType<typeof connectNats>>;
  let redis: Redis;
  /** Every CONTROL_USAGEPLAN_CHANGED event published since the suite started. */
  const changes: UsagePlanChangedEvent[] = [];

  beforeAll(async () => {
    infra = await startInfra();
    nc = await connectNats(infra.natsUrl, 'usage-test', {
      warn: () => undefined,
    } as unknown as PinoLogger);
    redis = new Redis(infra.redisUrl);
    nc.subscribe(CONTROL_USAGEPLAN_CHANGED, {
      // Control publishes through Nest's NATS client: the event is the envelope's `data`.
      callback: (_err, msg) => changes.push(msg.json<{ data: UsagePlanChangedEvent }>().data),
    });
    auth = await startTestAuth(infra);
    control = await startTestControl(infra);
    sdk = managementClient(control);
    apiId = (await sdk.send(new ImportRestApiCommand({ body: Buffer.from(API) }))).id!;
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'beta' }));
  });

  afterAll(async () => {
    sdk?.destroy();
    await control?.close();
    await auth?.close();
    await nc?.close();
    redis?.disconnect();
    await infra?.stop();
  });

  const newKey = async (name: string) =>
    (await sdk.send(new CreateApiKeyCommand({ name, enabled: true }))).id!;

  it('creates a plan and reads it back in AWS shape', async () => {
    const input = {
      name: 'gold',
      description: 'the best',
      apiStages: [
        { apiId, stage: 'prod', throttle: { '/pets/GET': { rateLimit: 5, burstLimit: 10 } } },
      ],
      throttle: { rateLimit: 100.5, burstLimit: 200 },
      quota: { limit: 1000, offset: 10, period: 'MONTH' as const },
      tags: { team: 'a' },
    };
    const created = await sdk.send(new CreateUsagePlanCommand(input));
    expect(created).toMatchObject(input);
    expect(created.id).toMatch(/^[a-z0-9]{10}$/);
    const read = await sdk.send(new GetUsagePlanCommand({ usagePlanId: created.id }));
    expect(read).toMatchObject({ ...input, id: created.id });
  });

  it('refuses bad plans: negative limits, bad quota, unknown APIs and stages, duplicates', async () => {
    const bad = [
      { name: 'n', throttle: { rateLimit: -1 } },
      { name: 'n', throttle: { burstLimit: -5 } },
      { name: 'n', quota: { limit: -1, period: 'DAY' as const } },
      { name: 'n', quota: { limit: 10, offset: 11, period: 'DAY' as const } },
      { name: 'n', quota: { limit: 10 } },
      {
        name: 'n',
        apiStages: [
          { apiId, stage: 'prod' },
          { apiId, stage: 'prod' },
        ],
      },
      { name: 'n', apiStages: [{ apiId, stage: 'prod', throttle: { pets: { rateLimit: 1 } } }] },
    ];
    for (const input of bad) {
      await expect(sdk.send(new CreateUsagePlanCommand(input))).rejects.toBeInstanceOf(
        BadRequestException,
      );
    }
    for (const apiStages of [[{ apiId: 'nope', stage: 'prod' }], [{ apiId, stage: 'nope' }]]) {
      await expect(
        sdk.send(new CreateUsagePlanCommand({ name: 'n', apiStages })),
      ).rejects.toBeInstanceOf(NotFoundException);
    }
    await expect(
      sdk.send(new GetUsagePlanCommand({ usagePlanId: 'missing' })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('updates a plan with AWS patch paths and refuses others', async () => {
    const { id } = await sdk.send(new CreateUsagePlanCommand({ name: 'silver' }));
    const updated = await sdk.send(
      new UpdateUsagePlanCommand({
        usagePlanId: id,
        patchOperations: [
          { op: 'replace', path: '/name', value: 'silver-2' },
          { op: 'replace', path: '/description', value: 'd' },
          { op: 'replace', path: '/throttle/rateLimit', value: '7' },
          { op: 'replace', path: '/throttle/burstLimit', value: '9' },
          { op: 'replace', path: '/quota/limit', value: '50' },
          { op: 'replace', path: '/quota/period', value: 'WEEK' },
          { op: 'replace', path: '/quota/offset', value: '3' },
          { op: 'add', path: '/apiStages', value: `${apiId}:prod` },
          { op: 'add', path: '/apiStages', value: `${apiId}:beta` },
          {
            op: 'replace',
            path: `/apiStages/${apiId}:prod/throttle/~1pets/GET/rateLimit`,
            value: '2',
          },
          { op: 'remove', path: '/apiStages', value: `${apiId}:beta` },
        ],
      }),
    );
    expect(updated).toMatchObject({
      name: 'silver-2',
      description: 'd',
      throttle: { rateLimit: 7, burstLimit: 9 },
      quota: { limit: 50, offset: 3, period: 'WEEK' },
      apiStages: [{ apiId, stage: 'prod', throttle: { '/pets/GET': { rateLimit: 2 } } }],
    });
    const update = (op: 'add' | 'remove' | 'replace', path: string, value?: string) =>
      sdk.send(
        new UpdateUsagePlanCommand({ usagePlanId: id, patchOperations: [{ op, path, value }] }),
      );
    await expect(update('replace', '/id', 'x')).rejects.toThrow(/Invalid patch path/);
    await expect(update('replace', '/quota/period', 'YEAR')).rejects.toBeInstanceOf(
      BadRequestException,
    );
    await expect(update('replace', '/throttle/rateLimit', '-3')).rejects.toBeInstanceOf(
      BadRequestException,
    );
    await expect(update('add', '/apiStages', `${apiId}:nope`)).rejects.toBeInstanceOf(
      NotFoundException,
    );
    // A refused update changes nothing.
    expect(await sdk.send(new GetUsagePlanCommand({ usagePlanId: id }))).toMatchObject({
      name: 'silver-2',
      throttle: { rateLimit: 7 },
    });
    await expect(
      sdk.send(new UpdateUsagePlanCommand({ usagePlanId: 'missing', patchOperations: [] })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('lists plans a page at a time and by key', async () => {
    const all = await sdk.send(new GetUsagePlansCommand({ limit: 500 }));
    const first = await sdk.send(new GetUsagePlansCommand({ limit: 1 }));
    expect(first.items).toHaveLength(1);
    expect(first.position).toBeDefined();
    const second = await sdk.send(new GetUsagePlansCommand({ limit: 1, position: first.position }));
    expect(second.items?.[0]?.id).not.toBe(first.items?.[0]?.id);
    expect(all.items!.length).toBeGreaterThanOrEqual(2);

    const { id } = await sdk.send(new CreateUsagePlanCommand({ name: 'by-key' }));
    const keyId = await newKey('listed');
    await sdk.send(new CreateUsagePlanKeyCommand({ usagePlanId: id, keyId, keyType: 'API_KEY' }));
    const ofKey = await sdk.send(new GetUsagePlansCommand({ keyId }));
    expect(ofKey.items?.map((p) => p.id)).toEqual([id]);
  });

  it('adds, reads, lists and removes plan keys', async () => {
    const { id } = await sdk.send(
      new CreateUsagePlanCommand({ name: 'keys', apiStages: [{ apiId, stage: 'prod' }] }),
    );
    const keyIds = [await newKey('k-alpha'), await newKey('k-beta'), await newKey('other')];
    for (const keyId of keyIds) {
      const added = await sdk.send(
        new CreateUsagePlanKeyCommand({ usagePlanId: id, keyId, keyType: 'API_KEY' }),
      );
      expect(added).toMatchObject({ id: keyId, type: 'API_KEY' });
      expect(added.value).toMatch(/^[A-Za-z0-9]{40}$/);
    }
    await expect(
      sdk.send(
        new CreateUsagePlanKeyCommand({ usagePlanId: id, keyId: keyIds[0], keyType: 'API_KEY' }),
      ),
    ).rejects.toBeInstanceOf(ConflictException);
    const one = await sdk.send(new GetUsagePlanKeyCommand({ usagePlanId: id, keyId: keyIds[1] }));
    expect(one).toMatchObject({ id: keyIds[1], name: 'k-beta', type: 'API_KEY' });

    const page = await sdk.send(new GetUsagePlanKeysCommand({ usagePlanId: id, limit: 2 }));
    expect(page.items).toHaveLength(2);
    const rest = await sdk.send(
      new GetUsagePlanKeysCommand({ usagePlanId: id, limit: 2, position: page.position }),
    );
    expect(rest.items).toHaveLength(1);
    expect(rest.position).toBeUndefined();
    const named = await sdk.send(new GetUsagePlanKeysCommand({ usagePlanId: id, nameQuery: 'k-' }));
    expect(named.items?.map((k) => k.name).sort()).toEqual(['k-alpha', 'k-beta']);

    await sdk.send(new DeleteUsagePlanKeyCommand({ usagePlanId: id, keyId: keyIds[2] }));
    await expect(
      sdk.send(new GetUsagePlanKeyCommand({ usagePlanId: id, keyId: keyIds[2] })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      sdk.send(new DeleteUsagePlanKeyCommand({ usagePlanId: id, keyId: keyIds[2] })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('refuses unknown keys, other key types, and a key in two plans sharing an API stage', async () => {
    const a = await sdk.send(
      new CreateUsagePlanCommand({ name: 'a', apiStages: [{ apiId, stage: 'beta' }] }),
    );
    const b = await sdk.send(
      new CreateUsagePlanCommand({ name: 'b', apiStages: [{ apiId, stage: 'beta' }] }),
    );
    const c = await sdk.send(new CreateUsagePlanCommand({ name: 'c' }));
    const keyId = await newKey('shared');
    await expect(
      sdk.send(
        new CreateUsagePlanKeyCommand({ usagePlanId: a.id, keyId: 'nokey', keyType: 'API_KEY' }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      sdk.send(
        new CreateUsagePlanKeyCommand({ usagePlanId: 'missing', keyId, keyType: 'API_KEY' }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      sdk.send(new CreateUsagePlanKeyCommand({ usagePlanId: a.id, keyId, keyType: 'OTHER' })),
    ).rejects.toBeInstanceOf(BadRequestException);
    await sdk.send(new CreateUsagePlanKeyCommand({ usagePlanId: a.id, keyId, keyType: 'API_KEY' }));
    await expect(
      sdk.send(new CreateUsagePlanKeyCommand({ usagePlanId: b.id, keyId, keyType: 'API_KEY' })),
    ).rejects.toBeInstanceOf(ConflictException);
    // A plan that shares no stage takes the key — and may not then take a stage of the other's.
    await sdk.send(new CreateUsagePlanKeyCommand({ usagePlanId: c.id, keyId, keyType: 'API_KEY' }));
    const addBeta = new UpdateUsagePlanCommand({
      usagePlanId: c.id,
      patchOperations: [{ op: 'add', path: '/apiStages', value: `${apiId}:beta` }],
    });
    await expect(sdk.send(addBeta)).rejects.toBeInstanceOf(ConflictException);
    expect((await sdk.send(new GetUsagePlanCommand({ usagePlanId: c.id }))).apiStages).toEqual([]);
  });

  it('deletes a plan with its keys, leaving the keys themselves', async () => {
    const { id } = await sdk.send(new CreateUsagePlanCommand({ name: 'doomed' }));
    const keyId = await newKey('survivor');
    await sdk.send(new CreateUsagePlanKeyCommand({ usagePlanId: id, keyId, keyType: 'API_KEY' }));
    await sdk.send(new DeleteUsagePlanCommand({ usagePlanId: id }));
    await expect(sdk.send(new GetUsagePlanCommand({ usagePlanId: id }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    expect((await sdk.send(new GetUsagePlansCommand({ keyId }))).items).toEqual([]);
    await expect(sdk.send(new DeleteUsagePlanCommand({ usagePlanId: id }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it('keeps when its quota started to itself: never in a response, set when a quota starts', async () => {
    const raw = async (path: string) =>
      (await fetch(`http://127.0.0.1:${control.port}${path}`)).json() as Promise<object>;
    const { id } = await sdk.send(
      new CreateUsagePlanCommand({ name: 'started', quota: { limit: 5, period: 'DAY' } }),
    );
    const stored = async () =>
      (
        JSON.parse((await redis.get(`${infra.redisKeyPrefix}{defs}:usageplan:${id}`))!) as {
          quotaStartedAt?: number;
        }
      ).quotaStartedAt;
    const created = (await stored())!;
    expect(created).toBeGreaterThan(Date.now() - 60_000);
    expect(await raw(`/usageplans/${id}`)).not.toHaveProperty('quotaStartedAt');
    const listed = (await raw('/usageplans?limit=500')) as { item: object[] };
    for (const plan of listed.item) expect(plan).not.toHaveProperty('quotaStartedAt');
    const update = (path: string, value?: string, op: 'replace' | 'remove' = 'replace') =>
      sdk.send(
        new UpdateUsagePlanCommand({ usagePlanId: id, patchOperations: [{ op, path, value }] }),
      );
    // The same period: the quota goes on from when it started.
    await update('/quota/limit', '9');
    expect(await stored()).toBe(created);
    // Another period restarts it; removing the quota forgets it; a new one starts again.
    await update('/quota/period', 'WEEK');
    expect(await stored()).toBeGreaterThanOrEqual(created);
    await update('/quota', undefined, 'remove');
    expect(await stored()).toBeUndefined();
    await sdk.send(
      new UpdateUsagePlanCommand({
        usagePlanId: id,
        patchOperations: [
          { op: 'replace', path: '/quota/limit', value: '3' },
          { op: 'replace', path: '/quota/period', value: 'MONTH' },
        ],
      }),
    );
    expect(await stored()).toBeGreaterThanOrEqual(created);
    const res = await fetch(`http://127.0.0.1:${control.port}/usageplans/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ patchOperations: [{ op: 'replace', path: '/name', value: 'x' }] }),
    });
    expect(await res.json()).not.toHaveProperty('quotaStartedAt');
  });

  it('announces every plan write: created, updated, key added and removed, deleted', async () => {
    const { id } = await sdk.send(new CreateUsagePlanCommand({ name: 'announced' }));
    const keyId = await newKey('announced');
    await sdk.send(
      new UpdateUsagePlanCommand({
        usagePlanId: id,
        patchOperations: [{ op: 'replace', path: '/description', value: 'd' }],
      }),
    );
    await sdk.send(new CreateUsagePlanKeyCommand({ usagePlanId: id, keyId, keyType: 'API_KEY' }));
    await sdk.send(new DeleteUsagePlanKeyCommand({ usagePlanId: id, keyId }));
    await sdk.send(new DeleteUsagePlanCommand({ usagePlanId: id }));
    await eventually(() =>
      expect(changes.filter((e) => e.usagePlanId === id)).toEqual([
        ...Array.from({ length: 4 }, () => ({ usagePlanId: id, change: 'updated' })),
        { usagePlanId: id, change: 'deleted' },
      ]),
    );
    // A refused write announces nothing.
    const before = changes.length;
    await expect(sdk.send(new DeleteUsagePlanCommand({ usagePlanId: id }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await nc.flush();
    expect(changes.length).toBe(before);
  });

  it('answers 503 when the auth service is down', async () => {
    const { id } = await sdk.send(new CreateUsagePlanCommand({ name: 'outage' }));
    await auth?.close();
    auth = undefined;
    await expect(
      sdk.send(
        new CreateUsagePlanKeyCommand({ usagePlanId: id, keyId: 'any', keyType: 'API_KEY' }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
  });
});

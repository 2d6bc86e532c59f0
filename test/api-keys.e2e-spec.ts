import {
  type APIGatewayClient,
  BadRequestException,
  ConflictException,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  DeleteUsagePlanKeyCommand,
  type CreateApiKeyCommandInput,
  CreateDeploymentCommand,
  DeleteApiKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  ImportApiKeysCommand,
  ImportRestApiCommand,
  NotFoundException,
  UpdateApiKeyCommand,
  UpdateUsagePlanCommand,
} from '@aws-sdk/client-api-gateway';
import { AUTH_APIKEY_CHANGED, AUTH_REVISION } from '@portico/contracts';
import { type FunctionRunner, startFunctionRunner } from '@portico/functions';
import {
  connectNats,
  createPinoLogger,
  type RunningService,
  type ServiceHandle,
} from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import Redis from 'ioredis';
import { request } from 'undici';
import {
  managementClient,
  startTestAuth,
  startTestControl,
  startTestEdge,
} from './support/services';
import { MOCK_200 } from './support/openapi-fixtures';

const API = `
openapi: 3.0.1
info: { title: Keyed pets, version: '1' }
paths:
  /pets:
    get:
      security: [{ api_key: [] }]
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:keyed/invocations
  /open:
    get:${MOCK_200}
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
`;

/** Key source AUTHORIZER: the Lambda authorizer names the caller's key (usageIdentifierKey). */
const BY_AUTHORIZER = `
openapi: 3.0.1
info: { title: Keys from the authorizer, version: '1' }
x-amazon-apigateway-api-key-source: AUTHORIZER
paths:
  /metered:
    get:
      security: [{ customer: [], api_key: [] }]${MOCK_200}
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
    customer:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:customers/invocations
        authorizerResultTtlInSeconds: 0
`;

interface SeenIdentity {
  apiKey: string | null;
  apiKeyId: string | null;
}

/**
 * API keys end to end: the AWS SDK manages keys through control, which keeps them in the auth
 * service (two replicas); two edges admit requests to a method with `apiKeyRequired` only with
 * an enabled key, cache the verdicts, and forget them when a key changes — by event, by the
 * announced revision when an event is lost, and never by answering 200 while auth is down.
 */
describe('API keys', () => {
  let infra: TestInfra;
  let control: RunningService;
  const edges: RunningService[] = [];
  const auths: ServiceHandle[] = [];
  let runner: FunctionRunner;
  let customers: FunctionRunner;
  /** The key each customer token stands for (the authorizer's usageIdentifierKey). */
  const keyOfCustomer = new Map<string, string>();
  let sdk: APIGatewayClient;
  let redis: Redis;
  let apiId: string;
  let planId: string;
  const seen: SeenIdentity[] = [];

  beforeAll(async () => {
    infra = await startInfra();
    redis = new Redis(infra.redisUrl);
    runner = await startFunctionRunner({
      natsUrl: infra.natsUrl,
      name: 'keyed',
      handler: async (event: unknown) => {
        seen.push(
          (event as { requestContext: { identity: SeenIdentity } }).requestContext.identity,
        );
        return { statusCode: 200, body: 'pets' };
      },
    });
    customers = await startFunctionRunner({
      natsUrl: infra.natsUrl,
      name: 'customers',
      handler: async (event: unknown) => {
        const token = (event as { authorizationToken: string }).authorizationToken;
        const key = keyOfCustomer.get(token);
        return {
          principalId: token,
          policyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }],
          },
          ...(key === undefined ? {} : { usageIdentifierKey: key }),
        };
      },
    });
    for (let i = 0; i < 2; i++) auths.push(await startTestAuth(infra));
    control = await startTestControl(infra);
    for (let i = 0; i < 2; i++) {
      edges.push(
        // Long enough that only the created-key event can end a "no such key" in time.
        await startTestEdge(infra, { API_KEY_NEGATIVE_TTL_MS: '600000' }),
      );
    }
    sdk = managementClient(control);
    const api = await sdk.send(
      new ImportRestApiCommand({ body: Buffer.from(API), failOnWarnings: true }),
    );
    apiId = api.id!;
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
    const plan = await sdk.send(
      new CreateUsagePlanCommand({ name: 'keys', apiStages: [{ apiId, stage: 'prod' }] }),
    );
    planId = plan.id!;
    for (const edge of edges) {
      await eventually(async () => expect((await call(edge, '/open')).status).toBe(200));
    }
  });

  afterAll(async () => {
    sdk?.destroy();
    await Promise.allSettled([...edges.map((e) => e.close()), control?.close()]);
    await Promise.allSettled(auths.map((a) => a.close()));
    await runner?.close();
    await customers?.close();
    redis?.disconnect();
    await infra?.stop();
  });

  async function call(edge: RunningService, path: string, key?: string) {
    const res = await request(
      `http://127.0.0.1:${edge.port}/restapis/${apiId}/prod/_user_request_${path}`,
      { headers: key === undefined ? {} : { 'x-api-key': key } },
    );
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  }

  /**
   * Waits until `edge` admits the key: a key added to a plan reaches every edge with the plan's
   * change event, a few milliseconds after CreateUsagePlanKey answers.
   */
  async function admitted(edge: RunningService, key: string | undefined): Promise<void> {
    await eventually(async () => expect((await call(edge, '/pets', key)).status).toBe(200));
  }

  /** A key in the stage's usage plan (a key admits only where a plan holding it covers the stage). */
  async function create(input: CreateApiKeyCommandInput) {
    const key = await sdk.send(new CreateApiKeyCommand(input));
    await sdk.send(
      new CreateUsagePlanKeyCommand({ usagePlanId: planId, keyId: key.id, keyType: 'API_KEY' }),
    );
    return key;
  }

  describe('management with the AWS SDK', () => {
    it('creates a key with a generated value, shown on create and on request only', async () => {
      const key = await create({ name: 'alpha', enabled: true, tags: { team: 'a' } });
      expect(key).toMatchObject({ name: 'alpha', enabled: true, tags: { team: 'a' } });
      expect(key.id).toMatch(/^[a-z0-9]{10}$/);
      expect(key.value).toMatch(/^[A-Za-z0-9]{40}$/);
      expect(key.createdDate).toBeInstanceOf(Date);
      const plain = await sdk.send(new GetApiKeyCommand({ apiKey: key.id }));
      expect(plain.value).toBeUndefined();
      const withValue = await sdk.send(
        new GetApiKeyCommand({ apiKey: key.id, includeValue: true }),
      );
      expect(withValue.value).toBe(key.value);
    });

    it('is disabled unless asked, takes a value of 30 to 128 characters, and refuses one in use', async () => {
      const value = 'v'.repeat(30);
      const key = await create({ name: 'chosen', value });
      expect(key.enabled).toBe(false);
      expect(key.value).toBe(value);
      await expect(create({ name: 'again', value })).rejects.toBeInstanceOf(ConflictException);
      await expect(create({ value: 'v'.repeat(29) })).rejects.toBeInstanceOf(BadRequestException);
      await expect(create({ value: 'v'.repeat(129) })).rejects.toBeInstanceOf(BadRequestException);
      await expect(
        create({ name: 'staged', stageKeys: [{ restApiId: apiId, stageName: 'nope' }] }),
      ).rejects.toBeInstanceOf(NotFoundException);
    });

    it('lists keys a page at a time, by name prefix and with values when asked', async () => {
      for (const name of ['page-1', 'page-2', 'page-3']) await create({ name });
      const first = await sdk.send(new GetApiKeysCommand({ nameQuery: 'page-', limit: 2 }));
      expect(first.items?.map((k) => k.name)).toEqual(['page-1', 'page-2']);
      expect(first.items?.every((k) => k.value === undefined)).toBe(true);
      const rest = await sdk.send(
        new GetApiKeysCommand({ nameQuery: 'page-', limit: 2, position: first.position }),
      );
      expect(rest.items?.map((k) => k.name)).toEqual(['page-3']);
      expect(rest.position).toBeUndefined();
      const withValues = await sdk.send(
        new GetApiKeysCommand({ nameQuery: 'page-', includeValues: true }),
      );
      expect(withValues.items?.every((k) => (k.value ?? '').length === 40)).toBe(true);
    });

    it('updates with patch operations and refuses paths it does not know', async () => {
      const key = await create({ name: 'before' });
      const updated = await sdk.send(
        new UpdateApiKeyCommand({
          apiKey: key.id,
          patchOperations: [
            { op: 'replace', path: '/name', value: 'after' },
            { op: 'replace', path: '/enabled', value: 'true' },
            { op: 'replace', path: '/description', value: 'changed' },
            { op: 'add', path: '/stages', value: `${apiId}/prod` },
          ],
        }),
      );
      expect(updated).toMatchObject({
        name: 'after',
        enabled: true,
        description: 'changed',
        stageKeys: [`${apiId}/prod`],
      });
      await expect(
        sdk.send(
          new UpdateApiKeyCommand({
            apiKey: key.id,
            patchOperations: [{ op: 'replace', path: '/value', value: 'x'.repeat(40) }],
          }),
        ),
      ).rejects.toBeInstanceOf(BadRequestException);
      await expect(
        sdk.send(
          new UpdateApiKeyCommand({
            apiKey: key.id,
            patchOperations: [{ op: 'replace', path: '/enabled', value: 'yes' }],
          }),
        ),
      ).rejects.toBeInstanceOf(BadRequestException);
      await expect(
        sdk.send(
          new UpdateApiKeyCommand({
            apiKey: 'nosuchkey0',
            patchOperations: [{ op: 'replace', path: '/name', value: 'x' }],
          }),
        ),
      ).rejects.toBeInstanceOf(NotFoundException);
    });

    it('deletes a key: then it is unknown', async () => {
      const key = await create({ name: 'doomed' });
      await sdk.send(new DeleteApiKeyCommand({ apiKey: key.id }));
      await expect(sdk.send(new GetApiKeyCommand({ apiKey: key.id }))).rejects.toBeInstanceOf(
        NotFoundException,
      );
      await expect(sdk.send(new DeleteApiKeyCommand({ apiKey: key.id }))).rejects.toBeInstanceOf(
        NotFoundException,
      );
    });

    it('imports a CSV file as AWS reads it; a re-imported value overwrites its key', async () => {
      const value = `import${'x'.repeat(34)}`;
      const csv = `key,Description,NAME,Unknown\n${value},"first, quoted",imported-1,ignored\n`;
      const first = await sdk.send(
        new ImportApiKeysCommand({ body: Buffer.from(csv), format: 'csv', failOnWarnings: true }),
      );
      expect(first.ids).toHaveLength(1);
      const key = await sdk.send(
        new GetApiKeyCommand({ apiKey: first.ids![0], includeValue: true }),
      );
      expect(key).toMatchObject({
        name: 'imported-1',
        description: 'first, quoted',
        enabled: true,
        value,
      });
      const again = await sdk.send(
        new ImportApiKeysCommand({
          body: Buffer.from(`Name,Key,Enabled\nimported-2,${value},false\n`),
          format: 'csv',
        }),
      );
      expect(again.ids).toEqual(first.ids);
      const replaced = await sdk.send(new GetApiKeyCommand({ apiKey: first.ids![0] }));
      expect(replaced).toMatchObject({ name: 'imported-2', enabled: false });
    });

    it('reports bad rows as warnings, and with failonwarnings imports nothing', async () => {
      const good = `good${'g'.repeat(36)}`;
      const csv = `Name,Key\nshort,tooshort\nfine,${good}\n`;
      await expect(
        sdk.send(
          new ImportApiKeysCommand({ body: Buffer.from(csv), format: 'csv', failOnWarnings: true }),
        ),
      ).rejects.toBeInstanceOf(BadRequestException);
      const none = await sdk.send(new GetApiKeysCommand({ nameQuery: 'fine' }));
      expect(none.items).toEqual([]);
      const imported = await sdk.send(
        new ImportApiKeysCommand({ body: Buffer.from(csv), format: 'csv' }),
      );
      expect(imported.ids).toHaveLength(1);
      expect(imported.warnings).toEqual([expect.stringMatching(/^Line 2: Key must be 30 to 128/)]);
      await expect(
        sdk.send(new ImportApiKeysCommand({ body: Buffer.from('Name\nx\n'), format: 'csv' })),
      ).rejects.toBeInstanceOf(BadRequestException);
    });

    it('keeps no key value in Redis in plain text', async () => {
      const key = await create({ name: 'secret', enabled: true });
      const keys = await redis.keys(`${infra.redisKeyPrefix}*`);
      const values = await Promise.all(
        keys.map(async (k) => ((await redis.type(k)) === 'string' ? redis.get(k) : '')),
      );
      expect(keys.some((k) => k.includes(key.value!))).toBe(false);
      expect(values.some((v) => v?.includes(key.value!))).toBe(false);
    });
  });

  describe('on the data plane', () => {
    it('answers 403 Forbidden without a key, with an unknown key and with a disabled one', async () => {
      const disabled = await create({ name: 'off' });
      const wrongLengths = ['x'.repeat(29), 'x'.repeat(129)];
      for (const key of [undefined, 'x'.repeat(40), disabled.value, ...wrongLengths]) {
        const res = await call(edges[0]!, '/pets', key);
        expect({ key, status: res.status, body: res.text }).toEqual({
          key,
          status: 403,
          body: '{"message":"Forbidden"}',
        });
        expect(res.headers['x-amzn-errortype']).toBe('ForbiddenException');
      }
      // A method without apiKeyRequired needs none.
      expect((await call(edges[0]!, '/open')).status).toBe(200);
    });

    it('admits a key only where a usage plan holding it covers the stage, on every edge', async () => {
      const key = await sdk.send(new CreateApiKeyCommand({ name: 'planless', enabled: true }));
      for (const edge of edges) {
        const res = await call(edge, '/pets', key.value);
        expect({ status: res.status, body: res.text }).toEqual({
          status: 403,
          body: '{"message":"Forbidden"}',
        });
      }
      const add = new CreateUsagePlanKeyCommand({
        usagePlanId: planId,
        keyId: key.id,
        keyType: 'API_KEY',
      });
      await sdk.send(add);
      for (const edge of edges) {
        await eventually(async () =>
          expect((await call(edge, '/pets', key.value)).status).toBe(200),
        );
      }
      await sdk.send(new DeleteUsagePlanKeyCommand({ usagePlanId: planId, keyId: key.id! }));
      for (const edge of edges) {
        await eventually(async () =>
          expect((await call(edge, '/pets', key.value)).status).toBe(403),
        );
      }
      // In a plan of another stage only, it is still refused here.
      await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'dev' }));
      const dev = await sdk.send(
        new CreateUsagePlanCommand({ name: 'dev', apiStages: [{ apiId, stage: 'dev' }] }),
      );
      await sdk.send(new CreateUsagePlanKeyCommand({ ...add.input, usagePlanId: dev.id }));
      await eventually(async () => {
        const res = await request(
          `http://127.0.0.1:${edges[1]!.port}/restapis/${apiId}/dev/_user_request_/pets`,
          { headers: { 'x-api-key': key.value! } },
        );
        await res.body.dump();
        expect(res.statusCode).toBe(200);
      });
      expect((await call(edges[1]!, '/pets', key.value)).status).toBe(403);
    });

    it('admits an enabled key and tells the function which key it was', async () => {
      const key = await create({ name: 'on', enabled: true });
      await admitted(edges[0]!, key.value);
      const res = await call(edges[0]!, '/pets', key.value);
      expect(res).toMatchObject({ status: 200, text: 'pets' });
      expect(seen.at(-1)).toMatchObject({ apiKey: key.value, apiKeyId: key.id });
    });

    it('stops admitting a key on every edge once it is disabled or deleted', async () => {
      const key = await create({ name: 'revoked', enabled: true });
      for (const edge of edges) await admitted(edge, key.value);
      await sdk.send(
        new UpdateApiKeyCommand({
          apiKey: key.id,
          patchOperations: [{ op: 'replace', path: '/enabled', value: 'false' }],
        }),
      );
      for (const edge of edges) {
        await eventually(async () =>
          expect((await call(edge, '/pets', key.value)).status).toBe(403),
        );
      }
      await sdk.send(
        new UpdateApiKeyCommand({
          apiKey: key.id,
          patchOperations: [{ op: 'replace', path: '/enabled', value: 'true' }],
        }),
      );
      for (const edge of edges) {
        await eventually(async () =>
          expect((await call(edge, '/pets', key.value)).status).toBe(200),
        );
      }
      await sdk.send(new DeleteApiKeyCommand({ apiKey: key.id }));
      for (const edge of edges) {
        await eventually(async () =>
          expect((await call(edge, '/pets', key.value)).status).toBe(403),
        );
      }
    });

    it('admits a key created after its value was refused (no stale "no such key")', async () => {
      const value = `late${'l'.repeat(36)}`;
      expect((await call(edges[1]!, '/pets', value)).status).toBe(403);
      await create({ name: 'late', value, enabled: true });
      await eventually(async () =>
        expect((await call(edges[1]!, '/pets', value)).status).toBe(200),
      );
    });

    it('shrugs off malformed auth events and still acts on the next good one', async () => {
      const key = await create({ name: 'garbled', enabled: true });
      await admitted(edges[0]!, key.value);
      const nc = await connectNats(infra.natsUrl, 'garbler', createPinoLogger('test', 'silent'));
      try {
        for (const subject of [AUTH_APIKEY_CHANGED, AUTH_REVISION]) {
          nc.publish(subject, Buffer.from('not json'));
          nc.publish(subject, Buffer.from('"a string"'));
          nc.publish(subject, Buffer.from('{"apiKeyId": 7, "revision": 7}'));
        }
        await nc.flush();
      } finally {
        await nc.close();
      }
      // The edges kept serving the cached verdict, and a real change still reaches them.
      for (const edge of edges) expect((await call(edge, '/pets', key.value)).status).toBe(200);
      await sdk.send(
        new UpdateApiKeyCommand({
          apiKey: key.id,
          patchOperations: [{ op: 'replace', path: '/enabled', value: 'false' }],
        }),
      );
      for (const edge of edges) {
        await eventually(async () =>
          expect((await call(edge, '/pets', key.value)).status).toBe(403),
        );
      }
    });

    it('forgets cached keys when the announced revision moves, even if the event was lost', async () => {
      const key = await create({ name: 'silent', enabled: true });
      await admitted(edges[0]!, key.value);
      // Disable it behind the service's back: no event, only a new revision, as after a lost one.
      const recordKey = `${infra.redisKeyPrefix}{auth}:ak:${key.id}`;
      const record = JSON.parse((await redis.get(recordKey))!) as Record<string, unknown>;
      await redis.set(recordKey, JSON.stringify({ ...record, enabled: false }));
      await redis.set(`${infra.redisKeyPrefix}{auth}:revision`, 'moved-without-an-event');
      await eventually(async () =>
        expect((await call(edges[0]!, '/pets', key.value)).status).toBe(403),
      );
    });

    it('takes the key from the Lambda authorizer when the key source is AUTHORIZER', async () => {
      const api = await sdk.send(
        new ImportRestApiCommand({ body: Buffer.from(BY_AUTHORIZER), failOnWarnings: true }),
      );
      expect(api.apiKeySource).toBe('AUTHORIZER');
      await sdk.send(new CreateDeploymentCommand({ restApiId: api.id!, stageName: 'prod' }));
      await sdk.send(
        new UpdateUsagePlanCommand({
          usagePlanId: planId,
          patchOperations: [{ op: 'add', path: '/apiStages', value: `${api.id}:prod` }],
        }),
      );
      const metered = (authorization: string, header?: string) =>
        request(
          `http://127.0.0.1:${edges[0]!.port}/restapis/${api.id}/prod/_user_request_/metered`,
          {
            headers: { authorization, ...(header === undefined ? {} : { 'x-api-key': header }) },
          },
        ).then(async (res) => ({ status: res.statusCode, text: await res.body.text() }));
      const key = await create({ name: 'customer-a', enabled: true });
      const off = await create({ name: 'customer-b', enabled: false });
      keyOfCustomer.set('customer-a', key.value!);
      keyOfCustomer.set('customer-b', off.value!);
      await eventually(async () => expect((await metered('customer-a')).status).toBe(200));
      const forbidden = { status: 403, text: JSON.stringify({ message: 'Forbidden' }) };
      // A disabled key, or none from the authorizer, is refused: x-api-key does not stand in.
      expect(await metered('customer-b')).toEqual(forbidden);
      expect(await metered('customer-c', key.value!)).toEqual(forbidden);
    });

    it('never admits an unknown key while auth is down: 503 at once, and back when it returns', async () => {
      const cached = await create({ name: 'cached', enabled: true });
      const fresh = await create({ name: 'fresh', enabled: true });
      await admitted(edges[0]!, cached.value);
      await Promise.all(auths.splice(0).map((a) => a.close()));
      const res = await call(edges[0]!, '/pets', fresh.value);
      expect(res.status).toBe(503);
      expect(JSON.parse(res.text)).toEqual({ message: 'Service Unavailable' });
      // A value no key can have is refused at the edge, auth or no auth.
      expect((await call(edges[0]!, '/pets', 'y'.repeat(29))).status).toBe(403);
      // A key this edge verified before the outage keeps its verdict until it expires.
      expect((await call(edges[0]!, '/pets', cached.value)).status).toBe(200);
      // Management answers the outage with AWS's 503, not a hang.
      await expect(create({ name: 'during-outage' })).rejects.toMatchObject({
        name: 'ServiceUnavailableException',
        $metadata: { httpStatusCode: 503 },
      });
      auths.push(await startTestAuth(infra));
      await eventually(async () =>
        expect((await call(edges[0]!, '/pets', fresh.value)).status).toBe(200),
      );
    });
  });
});

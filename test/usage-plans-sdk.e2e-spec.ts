import {
  type APIGatewayClient,
  BadRequestException,
  CreateApiKeyCommand,
  CreateDeploymentCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanCommand,
  GetUsagePlanCommand,
  GetUsagePlanKeyCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
  ImportRestApiCommand,
  NotFoundException,
  type PatchOperation,
  UpdateUsagePlanCommand,
} from '@aws-sdk/client-api-gateway';
import type { RunningService, ServiceHandle } from '@portico/platform';
import { startInfra, type TestInfra } from '@portico/testing';
import { managementClient, startTestAuth, startTestControl } from './support/services';
import { MOCK_200 } from './support/openapi-fixtures';

const API = `
openapi: 3.0.1
info: { title: Nested, version: '1' }
paths:
  /pets/{id}:
    get:${MOCK_200}
`;

/**
 * What usage-plans.e2e-spec.ts leaves out, through the AWS SDK against control and a real auth
 * service: JSON-Pointer-escaped method throttle paths on a nested resource, refused operations
 * leaving the plan as it was, the reserved tag, and a key deleted while in a plan.
 */
describe('usage plans through the AWS SDK', () => {
  let infra: TestInfra;
  let control: RunningService;
  let auth: ServiceHandle | undefined;
  let sdk: APIGatewayClient;
  let apiId: string;

  beforeAll(async () => {
    infra = await startInfra();
    auth = await startTestAuth(infra);
    control = await startTestControl(infra);
    sdk = managementClient(control);
    apiId = (await sdk.send(new ImportRestApiCommand({ body: Buffer.from(API) }))).id!;
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
  });

  afterAll(async () => {
    sdk?.destroy();
    await control?.close();
    await auth?.close();
    await infra?.stop();
  });

  const update = (usagePlanId: string, ...patchOperations: PatchOperation[]) =>
    sdk.send(new UpdateUsagePlanCommand({ usagePlanId, patchOperations }));
  const get = async (usagePlanId: string) => {
    const { $metadata: _, ...plan } = await sdk.send(new GetUsagePlanCommand({ usagePlanId }));
    return plan;
  };

  it('sets, changes and removes a nested method throttle by its escaped path', async () => {
    const { id } = await sdk.send(
      new CreateUsagePlanCommand({ name: 'nested', apiStages: [{ apiId, stage: 'prod' }] }),
    );
    const method = `/apiStages/${apiId}:prod/throttle/~1pets~1{id}/GET`;
    await update(
      id!,
      { op: 'replace', path: `${method}/rateLimit`, value: '2.5' },
      { op: 'replace', path: `${method}/burstLimit`, value: '5' },
      { op: 'replace', path: '/throttle/rateLimit', value: '10' },
    );
    expect((await get(id!)).apiStages).toEqual([
      { apiId, stage: 'prod', throttle: { '/pets/{id}/GET': { rateLimit: 2.5, burstLimit: 5 } } },
    ]);
    const after = await update(
      id!,
      { op: 'replace', path: `${method}/burstLimit`, value: '8' },
      { op: 'remove', path: '/throttle' },
    );
    expect(after.apiStages?.[0]?.throttle).toEqual({
      '/pets/{id}/GET': { rateLimit: 2.5, burstLimit: 8 },
    });
    expect(after.throttle).toBeUndefined();
    await update(id!, { op: 'remove', path: method });
    expect((await get(id!)).apiStages).toEqual([{ apiId, stage: 'prod', throttle: {} }]);
  });

  it('refuses a bad operation as a whole, leaving the plan as it was', async () => {
    const { id } = await sdk.send(
      new CreateUsagePlanCommand({
        name: 'steady',
        quota: { limit: 10, period: 'DAY' },
        apiStages: [{ apiId, stage: 'prod' }],
      }),
    );
    const before = await get(id!);
    const cases: Array<[PatchOperation[], typeof BadRequestException | typeof NotFoundException]> =
      [
        // The first operation alone would apply: nothing of it may stay.
        [
          [
            { op: 'replace', path: '/quota/limit', value: '20' },
            { op: 'replace', path: '/quota/offset', value: '30' },
          ],
          BadRequestException,
        ],
        [[{ op: 'add', path: '/apiStages', value: `${apiId}:prod` }], BadRequestException],
        [[{ op: 'add', path: '/apiStages', value: `${apiId}:nostage` }], NotFoundException],
        [[{ op: 'add', path: '/apiStages', value: 'noapi:prod' }], NotFoundException],
        [
          [{ op: 'remove', path: `/apiStages/${apiId}:prod/throttle/~1pets/GET` }],
          BadRequestException,
        ],
        [[{ op: 'replace', path: '/throttle/burstLimit', value: '1.5' }], BadRequestException],
        [[{ op: 'replace', path: '/quota/period', value: 'YEAR' }], BadRequestException],
        [[{ op: 'replace', path: '/tags/x', value: 'y' }], BadRequestException],
      ];
    for (const [ops, type] of cases) {
      await expect(update(id!, ...ops)).rejects.toBeInstanceOf(type);
    }
    expect(await get(id!)).toEqual(before);
  });

  it("refuses the gateway's reserved tag and creates nothing", async () => {
    await expect(
      sdk.send(
        new CreateUsagePlanCommand({
          name: 'thief',
          tags: { 'portico:managed-by': 'config-file' },
        }),
      ),
    ).rejects.toBeInstanceOf(BadRequestException);
    const all = (await sdk.send(new GetUsagePlansCommand({ limit: 500 }))).items ?? [];
    expect(all.map((p) => p.name)).not.toContain('thief');
  });

  it('leaves a key deleted from the auth service out of its plan, and then the plan goes', async () => {
    const { id } = await sdk.send(new CreateUsagePlanCommand({ name: 'members' }));
    const keys = await Promise.all(
      ['stays', 'goes'].map(
        async (name) => (await sdk.send(new CreateApiKeyCommand({ name, enabled: true }))).id!,
      ),
    );
    for (const keyId of keys) {
      await sdk.send(new CreateUsagePlanKeyCommand({ usagePlanId: id, keyId, keyType: 'API_KEY' }));
    }
    await sdk.send(new DeleteApiKeyCommand({ apiKey: keys[1] }));
    const listed = await sdk.send(new GetUsagePlanKeysCommand({ usagePlanId: id }));
    expect(listed.items?.map((k) => [k.id, k.name, k.type])).toEqual([
      [keys[0], 'stays', 'API_KEY'],
    ]);
    await expect(
      sdk.send(new GetUsagePlanKeyCommand({ usagePlanId: id, keyId: keys[1] })),
    ).rejects.toBeInstanceOf(NotFoundException);

    await sdk.send(new DeleteUsagePlanCommand({ usagePlanId: id }));
    await expect(sdk.send(new GetUsagePlanKeysCommand({ usagePlanId: id }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(
      sdk.send(new GetUsagePlanKeyCommand({ usagePlanId: id, keyId: keys[0] })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });
});

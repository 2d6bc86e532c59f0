import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  GetApiKeysCommand,
  GetStageCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
  type UsagePlan,
} from '@aws-sdk/client-api-gateway';
import type { RunningService, ServiceHandle } from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { request } from 'undici';
import {
  managementClient,
  startTestAuth,
  startTestControl,
  startTestEdge,
  startTestRatelimit,
} from './support/services';
import { MOCK_200 } from './support/openapi-fixtures';

const API = `openapi: 3.0.1
info: { title: Planned shop, version: '1' }
paths:
  /items:
    get:
      security: [{ api_key: [] }]${MOCK_200}
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
`;

const KEYS = `apiKeys:
  - { name: partner, value: partner-key-declared-in-the-file-0001 }
  - { name: local, value: local-key-declared-in-the-file-00002 }
`;

/** The shop API on `prod` and `dev` (prod throttled), the two keys, and the plans given. */
const configFile = (usagePlans: string): string =>
  `restApis:
  - id: plannedshop
    definition: api.yaml
    stages:
      - name: prod
        throttle: { rateLimit: 50, burstLimit: 100 }
        methodThrottles: { /items/GET: { rateLimit: 5, burstLimit: 10 } }
      - name: dev
${KEYS}usagePlans:${usagePlans === '' ? ' []' : ''}\n${usagePlans}`;

const GOLD = (keys: string) => `  - name: gold
    description: declared in the file
    apiStages:
      - restApi: Planned shop
        stage: prod
        throttle: { /items/GET: { rateLimit: 2, burstLimit: 4 } }
    throttle: { rateLimit: 100, burstLimit: 200 }
    quota: { limit: 100000, period: DAY }
    apiKeys: [${keys}]
`;

/**
 * Usage plans and stage throttles declared in the config file, end to end: control applies the
 * file through a real auth service on real NATS and Redis, and the management API (the AWS SDK)
 * reads back what it made.
 */
describe('usage plans in the config file', () => {
  let infra: TestInfra;
  let control: RunningService;
  let auth: ServiceHandle;
  let ratelimit: ServiceHandle;
  let edge: RunningService;
  let sdk: APIGatewayClient;
  let dir: string;

  const write = (plans: string) => writeFileSync(join(dir, 'portico.yaml'), configFile(plans));
  const plans = async (): Promise<UsagePlan[]> =>
    (await sdk.send(new GetUsagePlansCommand({ limit: 500 }))).items ?? [];
  const named = async (name: string) => (await plans()).filter((p) => p.name === name);
  const keyId = async (name: string) =>
    (await sdk.send(new GetApiKeysCommand({ nameQuery: name, limit: 500 }))).items?.find(
      (k) => k.name === name && k.tags?.['portico:managed-by'] === 'config-file',
    )?.id;
  const planKeys = async (usagePlanId: string) =>
    ((await sdk.send(new GetUsagePlanKeysCommand({ usagePlanId }))).items ?? [])
      .map((k) => k.name)
      .sort();
  const deploys = async (outcome: string) => {
    const text = await (await request(`http://127.0.0.1:${control.opsPort}/metrics`)).body.text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`portico_control_config_file_deploys_total{outcome="${outcome}"`));
    return Number(line?.split(' ').pop() ?? 0);
  };

  beforeAll(async () => {
    infra = await startInfra();
    dir = mkdtempSync(join(tmpdir(), 'portico-usageplans-'));
    writeFileSync(join(dir, 'api.yaml'), API);
    write(GOLD('partner'));
    auth = await startTestAuth(infra);
    control = await startTestControl(infra, {
      PORTICO_CONFIG: join(dir, 'portico.yaml'),
      PORTICO_CONFIG_WATCH: 'true',
    });
    sdk = managementClient(control);
    ratelimit = await startTestRatelimit(infra);
    edge = await startTestEdge(infra);
  });

  afterAll(async () => {
    sdk?.destroy();
    await edge?.close();
    await ratelimit?.close();
    await control?.close();
    await auth?.close();
    await infra?.stop();
  });

  it('creates the declared plan, tagged, with the file key in it', async () => {
    const [gold] = await named('gold');
    expect(gold).toMatchObject({
      description: 'declared in the file',
      apiStages: [
        {
          apiId: 'plannedshop',
          stage: 'prod',
          throttle: { '/items/GET': { rateLimit: 2, burstLimit: 4 } },
        },
      ],
      throttle: { rateLimit: 100, burstLimit: 200 },
      quota: { limit: 100000, period: 'DAY', offset: 0 },
      tags: { 'portico:managed-by': 'config-file' },
    });
    expect(await planKeys(gold!.id!)).toEqual(['partner']);
  });

  it('lets the edge admit the key the plan holds, and refuse a declared key in no plan', async () => {
    const call = async (key: string) => {
      const res = await request(
        `http://127.0.0.1:${edge.port}/restapis/plannedshop/prod/_user_request_/items`,
        { headers: { 'x-api-key': key } },
      );
      await res.body.text();
      return res.statusCode;
    };
    await eventually(async () =>
      expect(await call('partner-key-declared-in-the-file-0001')).toBe(200),
    );
    expect(await call('local-key-declared-in-the-file-00002')).toBe(403);
  });

  it("writes the stage's throttles as UpdateStage would, and none on a stage without", async () => {
    const prod = await sdk.send(
      new GetStageCommand({ restApiId: 'plannedshop', stageName: 'prod' }),
    );
    expect(prod.methodSettings).toEqual({
      '*/*': expect.objectContaining({ throttlingRateLimit: 50, throttlingBurstLimit: 100 }),
      '~1items/GET': expect.objectContaining({ throttlingRateLimit: 5, throttlingBurstLimit: 10 }),
    });
    const dev = await sdk.send(new GetStageCommand({ restApiId: 'plannedshop', stageName: 'dev' }));
    expect(dev.methodSettings ?? {}).toEqual({});
  });

  it('updates the plan in place: fields, stages, method throttles and keys by name or id', async () => {
    const [before] = await named('gold');
    const byHand = await sdk.send(new CreateApiKeyCommand({ name: 'by-hand', enabled: true }));
    write(`  - name: gold
    apiStages:
      - { restApi: plannedshop, stage: prod }
      - { restApi: plannedshop, stage: dev, throttle: { /items/GET: { burstLimit: 3 } } }
    throttle: { rateLimit: 100 }
    quota: { limit: 500, period: WEEK, offset: 5 }
    apiKeys: [local, ${byHand.id}]
`);
    await eventually(async () =>
      expect((await named('gold'))[0]?.quota).toEqual({ limit: 500, period: 'WEEK', offset: 5 }),
    );
    const [gold] = await named('gold');
    expect(gold).toMatchObject({
      id: before!.id,
      apiStages: [
        { apiId: 'plannedshop', stage: 'prod', throttle: {} },
        { apiId: 'plannedshop', stage: 'dev', throttle: { '/items/GET': { burstLimit: 3 } } },
      ],
      throttle: { rateLimit: 100 },
    });
    expect(gold!.description).toBeUndefined();
    await eventually(async () => expect(await planKeys(gold!.id!)).toEqual(['by-hand', 'local']));
  });

  it('leaves a plan of the same name made through the management API alone, and deletes its own when it leaves the file', async () => {
    const byHand = await sdk.send(
      new CreateUsagePlanCommand({ name: 'gold', description: 'mine' }),
    );
    write(GOLD('partner'));
    await eventually(async () =>
      expect((await named('gold')).find((p) => p.id !== byHand.id)?.quota?.limit).toBe(100000),
    );
    // The file rewrote its own plan and never claimed the other one.
    expect((await named('gold')).find((p) => p.id === byHand.id)).toMatchObject({
      description: 'mine',
      tags: {},
    });

    write('');
    await eventually(async () =>
      expect((await named('gold')).map((p) => p.id)).toEqual([byHand.id]),
    );
    // The plan's keys themselves stay.
    expect(await keyId('partner')).toBeDefined();
  });

  it('refuses a file that puts a key in two plans sharing an API stage, writing nothing', async () => {
    write(GOLD('partner'));
    await eventually(async () => expect(await named('gold')).toHaveLength(2));
    const before = await plans();
    const invalid = await deploys('invalid');
    write(
      GOLD('partner') +
        `  - { name: silver, apiStages: [{ restApi: plannedshop, stage: prod }], apiKeys: [partner] }\n`,
    );
    await eventually(async () => expect(await deploys('invalid')).toBeGreaterThan(invalid));
    expect(await plans()).toEqual(before);
  });

  it('reconciles the plans once the auth service is back', async () => {
    await auth.close();
    const unchanged = await deploys('unchanged');
    write(GOLD('partner, local'));
    // The definitions did not change and the plans could not be reconciled: "unchanged".
    await eventually(async () => expect(await deploys('unchanged')).toBeGreaterThan(unchanged));
    auth = await startTestAuth(infra);
    // No file change follows: only the retry can add the key.
    const [gold] = (await named('gold')).filter((p) => p.tags?.['portico:managed-by']);
    await eventually(
      async () => expect(await planKeys(gold!.id!)).toEqual(['local', 'partner']),
      20_000,
    );
  }, 40_000);
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH_APIKEY_VERIFY, type VerifiedApiKey } from '@portico/contracts';
import {
  connectNats,
  createPinoLogger,
  type RunningService,
  type ServiceHandle,
} from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { request } from 'undici';
import { controlHttp } from './support/control-http';
import { startTestAuth, startTestControl, startTestEdge } from './support/services';
import { MOCK_200 } from './support/openapi-fixtures';

const SECRET = Buffer.alloc(32, 5).toString('base64');
const PARTNER_VALUE = 'PartnerKeyFromTheEnvironment0123456789';
const LOCAL_VALUE = 'an-inline-key-for-local-development';
const ROTATED_VALUE = 'the-inline-key-after-its-rotation-0001';

const API = `openapi: 3.0.1
info: { title: Keyed shop, version: '1' }
paths:
  /items:
    get:
      security: [{ api_key: [] }]${MOCK_200}
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
`;

/**
 * The file: the shop API on `prod` and `dev`, the `apiKeys:` entries given, and a usage plan on
 * both stages holding every one of them (edges admit a key only where a plan holding it covers
 * the stage).
 */
const configFile = (apiKeys: string): string => {
  const names = [...apiKeys.matchAll(/- name: (\S+)/g)].map((m) => m[1]);
  return (
    `restApis:\n  - id: keyedshop\n    definition: api.yaml\n    stages: [{ name: prod }, { name: dev }]\n` +
    `apiKeys:${apiKeys === '' ? ' []' : ''}\n${apiKeys}` +
    `usagePlans:\n  - name: shop\n    apiStages: [{ restApi: keyedshop, stage: prod }, { restApi: keyedshop, stage: dev }]\n` +
    `    apiKeys: [${names.join(', ')}]\n`
  );
};

const PARTNER = `  - name: partner
    valueEnv: PARTNER_API_KEY
    description: declared in the file
    customerId: acme
    stageKeys: [{ restApi: Keyed shop, stage: prod }]
`;
const local = (fields: string) => `  - name: local\n    value: ${LOCAL_VALUE}\n${fields}`;

interface KeyShape {
  id: string;
  name: string;
  value?: string;
  description?: string;
  customerId?: string;
  enabled: boolean;
  stageKeys: string[];
  tags: Record<string, string>;
}

/**
 * API keys declared in the config file, end to end: control applies the file through a real
 * auth service (NATS, Redis); the keys verify on the subject edges ask, and an edge admits a
 * declared key on a method with apiKeyRequired.
 */
describe('API keys in the config file', () => {
  let infra: TestInfra;
  let control: RunningService;
  let edge: RunningService;
  let auth: ServiceHandle | undefined;
  let nc: Awaited<ReturnType<typeof connectNats>>;
  let dir: string;

  const write = (apiKeys: string) => writeFileSync(join(dir, 'portico.yaml'), configFile(apiKeys));

  const http = (method: string, path: string, body?: unknown) =>
    controlHttp(control.port, method, path, body);
  const keys = async () =>
    (await http('GET', '/apikeys?includeValues=true&limit=500')).body.item as KeyShape[];
  const named = async (name: string) => (await keys()).filter((k) => k.name === name);
  const verify = async (value: string) => {
    const reply = await nc.request(AUTH_APIKEY_VERIFY, Buffer.from(JSON.stringify({ value })), {
      timeout: 5_000,
    });
    return (JSON.parse(reply.string()) as { key?: VerifiedApiKey }).key;
  };
  const call = async (key?: string) => {
    const res = await request(
      `http://127.0.0.1:${edge.port}/restapis/keyedshop/prod/_user_request_/items`,
      { headers: key === undefined ? {} : { 'x-api-key': key } },
    );
    await res.body.text();
    return res.statusCode;
  };
  const deploys = async (outcome: string) => {
    const text = await (await request(`http://127.0.0.1:${control.opsPort}/metrics`)).body.text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`portico_control_config_file_deploys_total{outcome="${outcome}"`));
    return Number(line?.split(' ').pop() ?? 0);
  };

  beforeAll(async () => {
    infra = await startInfra();
    nc = await connectNats(infra.natsUrl, 'apikeys-file-e2e', createPinoLogger('test', 'silent'));
    dir = mkdtempSync(join(tmpdir(), 'portico-apikeys-'));
    writeFileSync(join(dir, 'api.yaml'), API);
    write(PARTNER + local('    enabled: false\n'));
    auth = await startTestAuth(infra, { AUTH_SECRET_KEY: SECRET });
    control = await startTestControl(infra, {
      PORTICO_CONFIG: join(dir, 'portico.yaml'),
      PORTICO_CONFIG_WATCH: 'true',
      PARTNER_API_KEY: PARTNER_VALUE,
    });
    edge = await startTestEdge(infra);
    await eventually(async () => expect(await call()).toBe(403));
  });

  afterAll(async () => {
    await Promise.allSettled([edge?.close(), control?.close()]);
    await auth?.close();
    await nc?.close();
    await infra?.stop();
  });

  it('creates the declared keys, tagged, with the value from the environment', async () => {
    const [partner] = await named('partner');
    expect(partner).toMatchObject({
      value: PARTNER_VALUE,
      description: 'declared in the file',
      customerId: 'acme',
      // Unlike CreateApiKey, a declared key is enabled unless the file says otherwise.
      enabled: true,
      stageKeys: ['keyedshop/prod'],
      tags: { 'portico:managed-by': 'config-file' },
    });
    expect(await verify(PARTNER_VALUE)).toEqual({ id: partner!.id, enabled: true });
    expect(await verify(LOCAL_VALUE)).toMatchObject({ enabled: false });
  });

  it('lets the edge admit a declared key on a method with apiKeyRequired', async () => {
    expect(await call(PARTNER_VALUE)).toBe(200);
    // Declared but disabled, and no key at all.
    expect(await call(LOCAL_VALUE)).toBe(403);
    expect(await call()).toBe(403);
  });

  it('updates changed fields in place and replaces a key whose value changed', async () => {
    const [before] = await named('partner');
    const [localBefore] = await named('local');
    write(
      `  - name: partner\n    valueEnv: PARTNER_API_KEY\n    stageKeys: [{ restApi: keyedshop, stage: dev }]\n` +
        `  - name: local\n    value: ${ROTATED_VALUE}\n    description: rotated\n`,
    );
    await eventually(async () => expect(await verify(ROTATED_VALUE)).toBeDefined());
    const [partner] = await named('partner');
    expect(partner).toMatchObject({ id: before!.id, enabled: true, stageKeys: ['keyedshop/dev'] });
    expect(partner!.description).toBeFalsy();
    expect(partner!.customerId).toBeFalsy();
    const locals = await named('local');
    expect(locals).toHaveLength(1);
    expect(locals[0]).toMatchObject({
      value: ROTATED_VALUE,
      description: 'rotated',
      enabled: true,
    });
    // A new value is a new key: the old value no longer verifies.
    expect(locals[0]!.id).not.toBe(localBefore!.id);
    expect(await verify(LOCAL_VALUE)).toBeUndefined();
    await eventually(async () => expect(await call(ROTATED_VALUE)).toBe(200));
    expect(await call(LOCAL_VALUE)).toBe(403);
  });

  it('deletes keys that left the file and leaves keys made through the API alone', async () => {
    const byHand = await http('POST', '/apikeys', {
      name: 'partner',
      enabled: true,
      value: 'created-through-the-management-api-01',
    });
    expect(byHand.status).toBe(201);
    expect(byHand.body.tags).toEqual({});
    const rotated = `  - name: local\n    value: ${ROTATED_VALUE}\n    description: rotated\n`;
    write(rotated);
    await eventually(async () => expect(await verify(PARTNER_VALUE)).toBeUndefined());
    expect((await named('partner')).map((k) => k.id)).toEqual([byHand.body.id]);
    expect(await named('local')).toHaveLength(1);

    write('');
    await eventually(async () => expect(await named('local')).toEqual([]));
    expect(await verify('created-through-the-management-api-01')).toMatchObject({ enabled: true });
  });

  it('refuses the managed-by tag on keys created through the management API', async () => {
    expect(
      await http('POST', '/apikeys', { name: 'thief', tags: { 'portico:managed-by': 'x' } }),
    ).toMatchObject({ status: 400, type: 'BadRequestException' });
    expect(await named('thief')).toEqual([]);
  });

  it('refuses a file with a bad entry, writing nothing', async () => {
    write(PARTNER);
    await eventually(async () => expect(await named('partner')).toHaveLength(2));
    const before = await keys();
    const invalid = await deploys('invalid');
    write(`${PARTNER}  - name: short\n    value: too-short-to-be-a-key\n`);
    await eventually(async () => expect(await deploys('invalid')).toBeGreaterThan(invalid));
    expect(await keys()).toEqual(before);
  });

  it('creates declared keys once the auth service is back', async () => {
    await auth?.close();
    auth = undefined;
    const unchanged = await deploys('unchanged');
    write(PARTNER + local('    enabled: true\n'));
    // The definitions did not change and the keys could not be reconciled: "unchanged".
    await eventually(async () => expect(await deploys('unchanged')).toBeGreaterThan(unchanged));
    auth = await startTestAuth(infra, { AUTH_SECRET_KEY: SECRET });
    // No file change follows: only the retry can create the key.
    await eventually(
      async () => expect(await verify(LOCAL_VALUE)).toMatchObject({ enabled: true }),
      20_000,
    );
    expect(await named('local')).toHaveLength(1);
  }, 40_000);
});

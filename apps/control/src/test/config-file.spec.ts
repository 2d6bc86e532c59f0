import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type APIGatewayClient,
  CreateDeploymentCommand,
  GetBasePathMappingsCommand,
  GetDeploymentsCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetStageCommand,
  GetStagesCommand,
  ImportRestApiCommand,
  NotFoundException,
} from '@aws-sdk/client-api-gateway';
import { CONTROL_DOMAIN_CHANGED, CONTROL_STAGE_CHANGED } from '@portico/contracts';
import type { RunningService } from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { bootstrap } from '../bootstrap';
import {
  configFileDeploys,
  controlEnv,
  eventRecorder,
  sdkClient,
  type SeenEvent,
} from './control-harness';

const fixtures = join(__dirname, 'fixtures');

const config = (opts: { withOrders: boolean; extra?: string }): string => `
# Control's config-file suite
restApis:
  - id: pets
    definition: ./pets.yaml
    stages:
      - name: prod
        description: production
        variables: { backend: "127.0.0.1:3000" }
      - name: dev
${
  opts.withOrders
    ? `  - name: Orders API
    definition: ./orders.json
    stages:
      - name: live
        variables: { port: 8080 }
`
    : ''
}${opts.extra ?? ''}domainNames:
  - domainName: api.example.test
    basePathMappings:
      - { basePath: "(none)", restApi: pets, stage: prod }
${opts.withOrders ? '      - { basePath: orders, restApi: Orders API, stage: live }\n' : ''}`;

const OWNERS_PATH = `
  /owners:
    get:
      responses:
        '200': { description: ok }
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://\${stageVariables.backend}/owners
`;

describe('the declarative config file', () => {
  let infra: TestInfra;
  let control: RunningService;
  let sdk: APIGatewayClient;
  let recorder: Awaited<ReturnType<typeof eventRecorder>>;
  let dir: string;
  let manualId: string;
  let prodDeployment: string;

  const file = (name: string): string => join(dir, name);
  const deploymentsOf = async (restApiId: string) =>
    (await sdk.send(new GetDeploymentsCommand({ restApiId }))).items ?? [];
  const deploysCounted = (outcome: string) => configFileDeploys(control.opsPort, outcome);
  const stageEvents = (from: number, restApiId: string): SeenEvent[] =>
    recorder.events
      .slice(from)
      .filter((e) => e.subject === CONTROL_STAGE_CHANGED && e.data.restApiId === restApiId);

  beforeAll(async () => {
    infra = await startInfra();
    dir = mkdtempSync(join(tmpdir(), 'portico-config-'));
    copyFileSync(join(fixtures, 'pets-api.yaml'), file('pets.yaml'));
    copyFileSync(join(fixtures, 'orders-api.json'), file('orders.json'));
    writeFileSync(file('portico.yaml'), config({ withOrders: true }));
    recorder = await eventRecorder(infra.natsUrl, [CONTROL_STAGE_CHANGED, CONTROL_DOMAIN_CHANGED]);
    control = await bootstrap(controlEnv(infra, { PORTICO_CONFIG: file('portico.yaml') }));
    sdk = sdkClient(control.port);
  });

  afterAll(async () => {
    sdk?.destroy();
    await control?.close();
    await recorder?.close();
    await infra?.stop();
  });

  it('deploys the file at start, tagging what it owns', async () => {
    const pets = await sdk.send(new GetRestApiCommand({ restApiId: 'pets' }));
    expect(pets).toMatchObject({
      name: 'Control Pets',
      tags: { 'portico:managed-by': 'config-file' },
    });
    const orders = await sdk.send(new GetRestApiCommand({ restApiId: 'ordersapi' }));
    expect(orders.name).toBe('Orders API');

    const prod = await sdk.send(new GetStageCommand({ restApiId: 'pets', stageName: 'prod' }));
    const dev = await sdk.send(new GetStageCommand({ restApiId: 'pets', stageName: 'dev' }));
    expect(prod).toMatchObject({
      description: 'production',
      variables: { backend: '127.0.0.1:3000' },
    });
    expect(dev.deploymentId).toBe(prod.deploymentId);
    prodDeployment = prod.deploymentId!;
    const live = await sdk.send(new GetStageCommand({ restApiId: 'ordersapi', stageName: 'live' }));
    expect(live.variables).toEqual({ port: '8080' });

    const mappings = await sdk.send(
      new GetBasePathMappingsCommand({ domainName: 'api.example.test' }),
    );
    expect(mappings.items!.map((m) => [m.basePath, m.restApiId, m.stage])).toEqual([
      ['(none)', 'pets', 'prod'],
      ['orders', 'ordersapi', 'live'],
    ]);
    expect(await deploysCounted('deployed')).toBe(1);
    await eventually(() =>
      expect(
        recorder.events.some((e) => e.data.restApiId === 'pets' && e.data.stageName === 'prod'),
      ).toBe(true),
    );
  });

  it('leaves APIs created through the management API alone when it deploys', async () => {
    const manual = await sdk.send(
      new ImportRestApiCommand({ body: readFileSync(join(fixtures, 'orders-api.json')) }),
    );
    manualId = manual.id!;
    await sdk.send(new CreateDeploymentCommand({ restApiId: manualId, stageName: 'manual' }));
    // The file deploys again (unchanged): an API it does not name is not its to delete.
    const unchangedBefore = await deploysCounted('unchanged');
    writeFileSync(file('portico.yaml'), config({ withOrders: true }));
    await eventually(async () =>
      expect(await deploysCounted('unchanged')).toBeGreaterThan(unchangedBefore),
    );
    const after = await sdk.send(new GetRestApiCommand({ restApiId: manualId }));
    expect(after.tags?.['portico:managed-by']).toBeUndefined();
    const stages = await sdk.send(new GetStagesCommand({ restApiId: manualId }));
    expect(stages.item!.map((s) => s.stageName)).toEqual(['manual']);
  });

  it('redeploys an API whose definition changed, and only that API', async () => {
    const from = recorder.events.length;
    writeFileSync(file('pets.yaml'), readFileSync(file('pets.yaml'), 'utf8') + OWNERS_PATH);
    await eventually(async () => {
      const prod = await sdk.send(new GetStageCommand({ restApiId: 'pets', stageName: 'prod' }));
      expect(prod.deploymentId).not.toBe(prodDeployment);
    });
    const prod = await sdk.send(new GetStageCommand({ restApiId: 'pets', stageName: 'prod' }));
    const dev = await sdk.send(new GetStageCommand({ restApiId: 'pets', stageName: 'dev' }));
    expect(dev.deploymentId).toBe(prod.deploymentId);
    prodDeployment = prod.deploymentId!;
    expect(await deploymentsOf('pets')).toHaveLength(2);
    const resources = await sdk.send(new GetResourcesCommand({ restApiId: 'pets', limit: 100 }));
    expect(resources.items!.map((r) => r.path)).toContain('/owners');

    // The unchanged Orders API got no deployment and no event.
    expect(await deploymentsOf('ordersapi')).toHaveLength(1);
    await eventually(() =>
      expect(
        stageEvents(from, 'pets')
          .map((e) => e.data.stageName)
          .sort(),
      ).toEqual(['dev', 'prod']),
    );
    expect(stageEvents(from, 'ordersapi')).toEqual([]);
  });

  it('logs an invalid change and leaves what is deployed untouched', async () => {
    const invalidBefore = await deploysCounted('invalid');
    // Would remove Orders, but a typo makes the whole file invalid.
    writeFileSync(
      file('portico.yaml'),
      config({ withOrders: false, extra: '  - definition: ./pets.yaml\n    stagez: []\n' }),
    );
    await eventually(async () => expect(await deploysCounted('invalid')).toBe(invalidBefore + 1));
    await expect(
      sdk.send(new GetRestApiCommand({ restApiId: 'ordersapi' })),
    ).resolves.toMatchObject({
      name: 'Orders API',
    });

    // A definition that does not import is just as harmless.
    const petsText = readFileSync(file('pets.yaml'), 'utf8');
    writeFileSync(file('portico.yaml'), config({ withOrders: true }));
    writeFileSync(file('pets.yaml'), petsText.replace('type: mock', 'type: aws'));
    await eventually(async () => expect(await deploysCounted('invalid')).toBe(invalidBefore + 2));
    expect(await deploymentsOf('pets')).toHaveLength(2);
    expect(
      (await sdk.send(new GetStageCommand({ restApiId: 'pets', stageName: 'prod' }))).deploymentId,
    ).toBe(prodDeployment);

    // Restoring it is a no-op: same definition, no new deployment.
    const unchangedBefore = await deploysCounted('unchanged');
    writeFileSync(file('pets.yaml'), petsText);
    await eventually(async () =>
      expect(await deploysCounted('unchanged')).toBeGreaterThan(unchangedBefore),
    );
    expect(await deploymentsOf('pets')).toHaveLength(2);
  });

  it('deletes an API removed from the file, with its stages and mappings', async () => {
    const from = recorder.events.length;
    writeFileSync(file('portico.yaml'), config({ withOrders: false }));
    await eventually(async () =>
      expect(sdk.send(new GetRestApiCommand({ restApiId: 'ordersapi' }))).rejects.toBeInstanceOf(
        NotFoundException,
      ),
    );
    const mappings = await sdk.send(
      new GetBasePathMappingsCommand({ domainName: 'api.example.test' }),
    );
    expect(mappings.items!.map((m) => m.basePath)).toEqual(['(none)']);
    await eventually(() => {
      expect(stageEvents(from, 'ordersapi').map((e) => e.data.change)).toEqual(['deleted']);
      expect(
        recorder.events
          .slice(from)
          .some(
            (e) => e.subject === CONTROL_DOMAIN_CHANGED && e.data.domainName === 'api.example.test',
          ),
      ).toBe(true);
    });
    // Management-API APIs survive every change of the file.
    expect((await sdk.send(new GetRestApiCommand({ restApiId: manualId }))).name).toBe(
      'Control Orders',
    );
    const stages = await sdk.send(new GetStagesCommand({ restApiId: manualId }));
    expect(stages.item!.map((s) => s.stageName)).toEqual(['manual']);
  });

  it('deploys nothing again when another control starts on the same file', async () => {
    const before = await deploymentsOf('pets');
    const second = await bootstrap(
      controlEnv(infra, { PORTICO_CONFIG: file('portico.yaml'), PORTICO_CONFIG_WATCH: 'false' }),
    );
    try {
      const text = await (await fetch(`http://127.0.0.1:${second.opsPort}/metrics`)).text();
      expect(text).toMatch(
        /portico_control_config_file_deploys_total\{outcome="unchanged"[^}]*\} 1/,
      );
      expect(await deploymentsOf('pets')).toHaveLength(before.length);
    } finally {
      await second.close();
    }
  });
});

import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type APIGatewayClient,
  ConflictException,
  CreateBasePathMappingCommand,
  CreateDeploymentCommand,
  CreateDomainNameCommand,
  CreateStageCommand,
  GetBasePathMappingsCommand,
  GetDeploymentsCommand,
  GetStagesCommand,
  ImportRestApiCommand,
} from '@aws-sdk/client-api-gateway';
import { DefinitionStore } from '@portico/definitions';
import type { RunningService } from '@portico/platform';
import Redis from 'ioredis';
import { startInfra, type TestInfra } from '@portico/testing';
import { bootstrap } from '../bootstrap';
import { controlEnv, emptyConfigFile, fixture, sdkClient } from './control-harness';

/** Two control replicas sharing one Redis, written to at the same time. */
describe('concurrent writes across control replicas', () => {
  let infra: TestInfra;
  const controls: RunningService[] = [];
  const sdks: APIGatewayClient[] = [];
  let restApiId: string;
  let deploymentId: string;

  const start = async (configFile: string): Promise<RunningService> => {
    const control = await bootstrap(
      controlEnv(infra, { PORTICO_CONFIG: configFile, PORTICO_CONFIG_WATCH: 'false' }),
    );
    controls.push(control);
    return control;
  };
  /** The SDK of replica 0 or 1, alternating, so requests land on both. */
  const sdk = (i: number): APIGatewayClient => sdks[i % 2]!;

  beforeAll(async () => {
    infra = await startInfra();
    for (let i = 0; i < 2; i++) sdks.push(sdkClient((await start(emptyConfigFile())).port));
    restApiId = (await sdk(0).send(new ImportRestApiCommand({ body: fixture('pets-api.yaml') })))
      .id!;
    deploymentId = (await sdk(1).send(new CreateDeploymentCommand({ restApiId }))).id!;
  });

  afterAll(async () => {
    for (const s of sdks) s.destroy();
    for (const c of controls) await c.close();
    await infra?.stop();
  });

  it('of 10 concurrent CreateStage for one name, exactly one succeeds', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        sdk(i).send(new CreateStageCommand({ restApiId, stageName: 'race', deploymentId })),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(rejected).toHaveLength(9);
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(ConflictException);
      expect((r.reason as Error).message).toContain('Stage already exists');
    }
    const stages = (await sdk(0).send(new GetStagesCommand({ restApiId }))).item ?? [];
    expect(stages.filter((s) => s.stageName === 'race')).toHaveLength(1);
  });

  it('keeps all 10 concurrent CreateBasePathMapping on one domain', async () => {
    await sdk(0).send(new CreateStageCommand({ restApiId, stageName: 'maps', deploymentId }));
    const domainName = 'race.example.test';
    await sdk(1).send(new CreateDomainNameCommand({ domainName }));
    const basePaths = Array.from({ length: 10 }, (_, i) => `v${i}`);
    const results = await Promise.allSettled(
      basePaths.map((basePath, i) =>
        sdk(i).send(
          new CreateBasePathMappingCommand({ domainName, basePath, restApiId, stage: 'maps' }),
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    for (const s of sdks) {
      const items = (await s.send(new GetBasePathMappingsCommand({ domainName }))).items ?? [];
      expect(items.map((m) => m.basePath).sort()).toEqual(basePaths);
    }
  });

  it('answers AWS ConflictException when a lock stays held past the wait', async () => {
    const redis = new Redis(infra.redisUrl);
    try {
      // A holder (say, a stalled replica) that keeps the API's lock longer than a writer waits.
      const key = new DefinitionStore(redis, infra.redisKeyPrefix).lockKey(`api:${restApiId}`);
      await redis.set(key, 'stalled-holder', 'PX', 60_000);
      const attempt = sdk(0).send(
        new CreateStageCommand({ restApiId, stageName: 'held', deploymentId }),
      );
      await expect(attempt).rejects.toBeInstanceOf(ConflictException);
      await expect(attempt).rejects.toThrow(
        'Unable to complete operation due to concurrent modification. Please try again later.',
      );
      expect(await redis.get(key)).toBe('stalled-holder');
      await redis.del(key);
      const stages = (await sdk(1).send(new GetStagesCommand({ restApiId }))).item ?? [];
      expect(stages.map((s) => s.stageName)).not.toContain('held');
    } finally {
      redis.disconnect();
    }
  });

  it('deploys a config file once when two replicas reconcile it at the same time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-race-'));
    copyFileSync(join(__dirname, 'fixtures', 'pets-api.yaml'), join(dir, 'pets.yaml'));
    const configFile = join(dir, 'portico.yaml');
    writeFileSync(
      configFile,
      'restApis:\n  - id: racefile\n    definition: ./pets.yaml\n    stages:\n      - name: prod\n',
    );
    await Promise.all([start(configFile), start(configFile)]);
    const deployments = await sdk(0).send(new GetDeploymentsCommand({ restApiId: 'racefile' }));
    expect(deployments.items).toHaveLength(1);
  });
});

import {
  type APIGatewayClient,
  BadRequestException,
  ConflictException,
  CreateDeploymentCommand,
  CreateStageCommand,
  GetDeploymentCommand,
  GetDeploymentsCommand,
  GetStageCommand,
  GetStagesCommand,
  ImportRestApiCommand,
  NotFoundException,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import { CONTROL_STAGE_CHANGED } from '@portico/contracts';
import { eventually } from '@portico/testing';
import { type ControlUnderTest, fixture, seen, startControlUnderTest } from './control-harness';

describe('deployments and stages (AWS SDK)', () => {
  let t: ControlUnderTest;
  let sdk: APIGatewayClient;
  let petsId: string;
  let deploymentId: string;

  beforeAll(async () => {
    t = await startControlUnderTest();
    sdk = t.sdk;
    petsId = (await sdk.send(new ImportRestApiCommand({ body: fixture('pets-api.yaml') }))).id!;
  });

  afterAll(async () => {
    await t?.close();
  });

  const stageEvent = (data: Record<string, unknown>) =>
    t.recorder.events.some(seen(CONTROL_STAGE_CHANGED, { restApiId: petsId, ...data }));

  describe('deployments and stages', () => {
    it('CreateDeployment with a stage name creates the stage and announces it', async () => {
      const d = await sdk.send(
        new CreateDeploymentCommand({
          restApiId: petsId,
          stageName: 'prod',
          stageDescription: 'production',
          description: 'first',
          variables: { backend: '127.0.0.1:3000' },
        }),
      );
      deploymentId = d.id!;
      expect(d.description).toBe('first');
      // As AWS: the API summary only when GetDeployment asks for it with embed=apisummary.
      expect(d.apiSummary).toBeUndefined();
      const embedded = await sdk.send(
        new GetDeploymentCommand({ restApiId: petsId, deploymentId, embed: ['apisummary'] }),
      );
      expect(embedded.apiSummary?.['/pets']?.GET).toEqual({
        authorizationType: 'NONE',
        apiKeyRequired: false,
      });
      const stage = await sdk.send(new GetStageCommand({ restApiId: petsId, stageName: 'prod' }));
      expect(stage).toMatchObject({
        deploymentId,
        stageName: 'prod',
        description: 'production',
        variables: { backend: '127.0.0.1:3000' },
        cacheClusterEnabled: false,
        tracingEnabled: false,
      });
      expect(stage.createdDate).toBeInstanceOf(Date);
      await eventually(() =>
        expect(stageEvent({ stageName: 'prod', change: 'updated' })).toBe(true),
      );
    });

    it('a second deployment repoints the stage and keeps its variables', async () => {
      const d2 = await sdk.send(
        new CreateDeploymentCommand({
          restApiId: petsId,
          stageName: 'prod',
          variables: { extra: 'x' },
        }),
      );
      const stage = await sdk.send(new GetStageCommand({ restApiId: petsId, stageName: 'prod' }));
      expect(stage.deploymentId).toBe(d2.id);
      expect(stage.variables).toEqual({ backend: '127.0.0.1:3000', extra: 'x' });
      const list = await sdk.send(new GetDeploymentsCommand({ restApiId: petsId }));
      expect(list.items!.map((d) => d.id).sort()).toEqual([deploymentId, d2.id].sort());
      const one = await sdk.send(new GetDeploymentCommand({ restApiId: petsId, deploymentId }));
      expect(one).toMatchObject({ id: deploymentId, description: 'first' });
    });

    it('CreateStage points a new stage at a deployment', async () => {
      const stage = await sdk.send(
        new CreateStageCommand({
          restApiId: petsId,
          stageName: 'beta',
          deploymentId,
          description: 'beta',
          variables: { backend: '127.0.0.1:4000' },
          tracingEnabled: true,
          tags: { team: 'pets' },
        }),
      );
      expect(stage).toMatchObject({
        stageName: 'beta',
        deploymentId,
        tracingEnabled: true,
        tags: { team: 'pets' },
      });
      const all = await sdk.send(new GetStagesCommand({ restApiId: petsId }));
      expect(all.item!.map((s) => s.stageName).sort()).toEqual(['beta', 'prod']);
      const pointing = await sdk.send(new GetStagesCommand({ restApiId: petsId, deploymentId }));
      expect(pointing.item!.map((s) => s.stageName)).toEqual(['beta']);
      await eventually(() => expect(stageEvent({ stageName: 'beta' })).toBe(true));
    });

    it('refuses a duplicate stage, an unknown deployment and a bad stage name', async () => {
      await expect(
        sdk.send(new CreateStageCommand({ restApiId: petsId, stageName: 'beta', deploymentId })),
      ).rejects.toBeInstanceOf(ConflictException);
      await expect(
        sdk.send(
          new CreateStageCommand({ restApiId: petsId, stageName: 'gamma', deploymentId: 'nope00' }),
        ),
      ).rejects.toBeInstanceOf(NotFoundException);
      const bad = sdk.send(
        new CreateStageCommand({ restApiId: petsId, stageName: 'no spaces', deploymentId }),
      );
      await expect(bad).rejects.toBeInstanceOf(BadRequestException);
      await expect(bad).rejects.toThrow(/stage name/);
      await expect(
        sdk.send(new GetStageCommand({ restApiId: petsId, stageName: 'gamma' })),
      ).rejects.toBeInstanceOf(NotFoundException);
    });

    it('UpdateStage applies variable, setting and method-setting patches, and announces them', async () => {
      const before = t.recorder.events.length;
      const stage = await sdk.send(
        new UpdateStageCommand({
          restApiId: petsId,
          stageName: 'beta',
          patchOperations: [
            { op: 'replace', path: '/variables/backend', value: '127.0.0.1:5000' },
            { op: 'replace', path: '/variables/added', value: 'yes' },
            { op: 'remove', path: '/description' },
            { op: 'replace', path: '/tracingEnabled', value: 'false' },
            { op: 'replace', path: '/*/*/throttling/rateLimit', value: '100' },
            { op: 'replace', path: '/*/*/throttling/burstLimit', value: '50' },
            { op: 'replace', path: '/~1pets~1{petId}/GET/caching/enabled', value: 'true' },
            { op: 'replace', path: '/~1pets~1{petId}/GET/caching/ttlInSeconds', value: '60' },
            // Terraform's form of the same method, kept under its own key as AWS does.
            { op: 'replace', path: '/pets/{petId}/GET/metrics/enabled', value: 'true' },
          ],
        }),
      );
      expect(stage.variables).toEqual({ backend: '127.0.0.1:5000', added: 'yes' });
      expect(stage.description).toBeUndefined();
      expect(stage.tracingEnabled).toBe(false);
      expect(stage.methodSettings!['*/*']).toMatchObject({
        throttlingRateLimit: 100,
        throttlingBurstLimit: 50,
      });
      expect(stage.methodSettings!['~1pets~1{petId}/GET']).toMatchObject({
        cachingEnabled: true,
        cacheTtlInSeconds: 60,
      });
      expect(stage.methodSettings!['pets/{petId}/GET']).toMatchObject({ metricsEnabled: true });

      const removed = await sdk.send(
        new UpdateStageCommand({
          restApiId: petsId,
          stageName: 'beta',
          patchOperations: [
            { op: 'remove', path: '/variables/added' },
            { op: 'remove', path: '/~1pets~1{petId}/GET' },
            { op: 'remove', path: '/pets/{petId}/GET' },
          ],
        }),
      );
      expect(removed.variables).toEqual({ backend: '127.0.0.1:5000' });
      expect(Object.keys(removed.methodSettings!)).toEqual(['*/*']);
      await eventually(() =>
        expect(
          t.recorder.events
            .slice(before)
            .filter(seen(CONTROL_STAGE_CHANGED, { stageName: 'beta', change: 'updated' })),
        ).toHaveLength(2),
      );
    });

    it('rejects a bad patch operation, naming it, and changes nothing', async () => {
      const cases = [
        { op: 'move', path: '/description', value: 'x' },
        { op: 'replace', path: '/nonsense', value: 'x' },
        { op: 'replace', path: '/*/*/throttling/rateLimit', value: 'fast' },
        { op: 'replace', path: '/*/*/throttling/nope', value: '1' },
        { op: 'replace', path: '/variables/bad name', value: '1' },
      ] as const;
      for (const op of cases) {
        const attempt = sdk.send(
          new UpdateStageCommand({
            restApiId: petsId,
            stageName: 'beta',
            patchOperations: [{ op: 'replace', path: '/description', value: 'changed' }, op],
          }),
        );
        await expect(attempt).rejects.toBeInstanceOf(BadRequestException);
        await expect(attempt).rejects.toThrow(op.path);
      }
      await expect(
        sdk.send(
          new UpdateStageCommand({
            restApiId: petsId,
            stageName: 'beta',
            patchOperations: [{ op: 'replace', path: '/deploymentId', value: 'nope00' }],
          }),
        ),
      ).rejects.toBeInstanceOf(NotFoundException);
      const stage = await sdk.send(new GetStageCommand({ restApiId: petsId, stageName: 'beta' }));
      expect(stage.description).toBeUndefined();
      expect(stage.deploymentId).toBe(deploymentId);
    });

    it('UpdateStage repoints a stage to another deployment', async () => {
      const deployments = await sdk.send(new GetDeploymentsCommand({ restApiId: petsId }));
      const other = deployments.items!.find((d) => d.id !== deploymentId)!;
      const stage = await sdk.send(
        new UpdateStageCommand({
          restApiId: petsId,
          stageName: 'beta',
          patchOperations: [{ op: 'replace', path: '/deploymentId', value: other.id! }],
        }),
      );
      expect(stage.deploymentId).toBe(other.id);
    });
  });
});

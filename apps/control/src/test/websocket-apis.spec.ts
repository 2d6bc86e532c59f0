import {
  GetRestApiCommand,
  GetRestApisCommand,
  ImportRestApiCommand,
} from '@aws-sdk/client-api-gateway';
import {
  type ApiGatewayV2Client,
  BadRequestException,
  ConflictException,
  CreateApiCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateRouteResponseCommand,
  CreateStageCommand,
  DeleteApiCommand,
  DeleteDeploymentCommand,
  DeleteStageCommand,
  GetApiCommand,
  GetApisCommand,
  GetDeploymentCommand,
  GetDeploymentsCommand,
  GetStageCommand,
  GetStagesCommand,
  NotFoundException,
  UpdateApiCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import { CONTROL_STAGE_CHANGED } from '@portico/contracts';
import { DefinitionStore } from '@portico/definitions';
import { eventually } from '@portico/testing';
import Redis from 'ioredis';
import {
  type ControlUnderTest,
  fixture,
  seen,
  startControlUnderTest,
  v2Client,
} from './control-harness';

describe('WebSocket APIs, stages and deployments (AWS SDK v2)', () => {
  let t: ControlUnderTest;
  let v2: ApiGatewayV2Client;
  let redis: Redis;
  let store: DefinitionStore;
  let apiId: string;
  let lambdaId: string;
  let deploymentId: string;
  let spareDeploymentId: string;

  beforeAll(async () => {
    t = await startControlUnderTest();
    v2 = v2Client(t.control.port);
    redis = new Redis(t.infra.redisUrl);
    store = new DefinitionStore(redis, t.infra.redisKeyPrefix);
  });

  afterAll(async () => {
    v2?.destroy();
    redis?.disconnect();
    await t?.close();
  });

  const stageEvent = (data: Record<string, unknown>) =>
    t.recorder.events.some(seen(CONTROL_STAGE_CHANGED, { restApiId: apiId, ...data }));

  describe('APIs', () => {
    it('CreateApi makes a WebSocket API with its endpoint and ISO timestamps', async () => {
      const api = await v2.send(
        new CreateApiCommand({
          Name: 'chat',
          ProtocolType: 'WEBSOCKET',
          RouteSelectionExpression: '$request.body.action',
          Description: 'chat rooms',
          Tags: { team: 'chat' },
        }),
      );
      apiId = api.ApiId!;
      expect(apiId).toMatch(/^[a-z0-9]{10}$/);
      expect(api).toMatchObject({
        Name: 'chat',
        ProtocolType: 'WEBSOCKET',
        RouteSelectionExpression: '$request.body.action',
        ApiEndpoint: `wss://${apiId}.execute-api.localhost`,
        Description: 'chat rooms',
        Tags: { team: 'chat' },
      });
      expect(api.CreatedDate).toBeInstanceOf(Date);
      expect(Math.abs(api.CreatedDate!.getTime() - Date.now())).toBeLessThan(60_000);
    });

    it('GetApis lists WebSocket APIs only, and GetApi reads one', async () => {
      const rest = await t.sdk.send(new ImportRestApiCommand({ body: fixture('pets-api.yaml') }));
      const list = await v2.send(new GetApisCommand({}));
      expect(list.Items!.map((a) => a.ApiId)).toEqual([apiId]);
      await expect(v2.send(new GetApiCommand({ ApiId: rest.id! }))).rejects.toBeInstanceOf(
        NotFoundException,
      );
      const one = await v2.send(new GetApiCommand({ ApiId: apiId }));
      expect(one.Name).toBe('chat');
    });

    it('the REST (v1) API does not show WebSocket APIs', async () => {
      const rest = await t.sdk.send(new GetRestApisCommand({}));
      expect(rest.items!.length).toBeGreaterThan(0);
      expect(rest.items!.map((a) => a.id)).not.toContain(apiId);
      await expect(t.sdk.send(new GetRestApiCommand({ restApiId: apiId }))).rejects.toMatchObject({
        name: 'NotFoundException',
      });
    });

    it('refuses HTTP APIs, a missing or bad route selection expression, and unknown ids', async () => {
      const http = v2.send(new CreateApiCommand({ Name: 'h', ProtocolType: 'HTTP' }));
      await expect(http).rejects.toBeInstanceOf(BadRequestException);
      await expect(http).rejects.toThrow(/HTTP APIs are not supported/);
      await expect(
        v2.send(new CreateApiCommand({ Name: 'w', ProtocolType: 'WEBSOCKET' })),
      ).rejects.toBeInstanceOf(BadRequestException);
      const bad = v2.send(
        new CreateApiCommand({
          Name: 'w',
          ProtocolType: 'WEBSOCKET',
          RouteSelectionExpression: '$request.body.',
        }),
      );
      await expect(bad).rejects.toBeInstanceOf(BadRequestException);
      await expect(bad).rejects.toThrow(/route selection expression/);
      await expect(v2.send(new GetApiCommand({ ApiId: 'nosuchapi0' }))).rejects.toBeInstanceOf(
        NotFoundException,
      );
    });

    it('UpdateApi changes the name, description and route selection expression', async () => {
      const updated = await v2.send(
        new UpdateApiCommand({
          ApiId: apiId,
          Name: 'chat-v2',
          RouteSelectionExpression: '$request.body.type',
        }),
      );
      expect(updated).toMatchObject({
        Name: 'chat-v2',
        Description: 'chat rooms',
        RouteSelectionExpression: '$request.body.type',
      });
      await expect(
        v2.send(new UpdateApiCommand({ ApiId: apiId, RouteSelectionExpression: '$bad' })),
      ).rejects.toBeInstanceOf(BadRequestException);
      await v2.send(
        new UpdateApiCommand({ ApiId: apiId, RouteSelectionExpression: '$request.body.action' }),
      );
    });
  });

  describe('deployments and stages', () => {
    beforeAll(async () => {
      lambdaId = (
        await v2.send(
          new CreateIntegrationCommand({
            ApiId: apiId,
            IntegrationType: 'AWS_PROXY',
            IntegrationUri: 'chat',
          }),
        )
      ).IntegrationId!;
      const send = await v2.send(
        new CreateRouteCommand({
          ApiId: apiId,
          RouteKey: 'sendmessage',
          Target: `integrations/${lambdaId}`,
          RouteResponseSelectionExpression: '$default',
        }),
      );
      await v2.send(
        new CreateRouteResponseCommand({
          ApiId: apiId,
          RouteId: send.RouteId!,
          RouteResponseKey: '$default',
        }),
      );
    });
    it('CreateDeployment with a stage name creates the stage and announces it', async () => {
      const d = await v2.send(
        new CreateDeploymentCommand({ ApiId: apiId, StageName: 'prod', Description: 'first' }),
      );
      deploymentId = d.DeploymentId!;
      expect(d).toMatchObject({ DeploymentStatus: 'DEPLOYED', Description: 'first' });
      expect(d.CreatedDate).toBeInstanceOf(Date);
      const stage = await v2.send(new GetStageCommand({ ApiId: apiId, StageName: 'prod' }));
      expect(stage.DeploymentId).toBe(deploymentId);
      expect(stage.LastUpdatedDate).toBeInstanceOf(Date);
      await eventually(() =>
        expect(stageEvent({ stageName: 'prod', change: 'updated' })).toBe(true),
      );
    });

    it('stores the deployment with the WebSocket definition the edge serves', async () => {
      const active = await store.getActiveStage(apiId, 'prod');
      const ws = active?.deployment.definition.webSocket;
      expect(ws?.routeSelectionExpression).toBe('$request.body.action');
      const send = Object.values(ws?.routes ?? {}).find((r) => r.routeKey === 'sendmessage');
      expect(send).toMatchObject({
        integrationId: lambdaId,
        routeResponseSelectionExpression: '$default',
        routeResponses: [{ routeResponseKey: '$default' }],
      });
      expect(ws?.integrations[lambdaId]?.integration).toMatchObject({
        type: 'AWS_PROXY',
        uri: 'chat',
        httpMethod: 'POST',
        timeoutInMillis: 29000,
        requestParameters: {},
        cacheKeyParameters: [],
        responses: [],
      });
      expect(active?.deployment.definition.resources).toEqual([
        expect.objectContaining({ path: '/', methods: {} }),
      ]);
    });

    it('CreateStage, GetStages and GetDeployments list what was made', async () => {
      const beta = await v2.send(
        new CreateStageCommand({
          ApiId: apiId,
          StageName: 'beta',
          DeploymentId: deploymentId,
          StageVariables: { room: 'lobby' },
          Description: 'beta',
        }),
      );
      expect(beta).toMatchObject({ StageName: 'beta', StageVariables: { room: 'lobby' } });
      const stages = await v2.send(new GetStagesCommand({ ApiId: apiId }));
      expect(stages.Items!.map((s) => s.StageName).sort()).toEqual(['beta', 'prod']);
      await eventually(() => expect(stageEvent({ stageName: 'beta' })).toBe(true));
      const deployments = await v2.send(new GetDeploymentsCommand({ ApiId: apiId }));
      expect(deployments.Items!.map((d) => d.DeploymentId)).toEqual([deploymentId]);
      const one = await v2.send(
        new GetDeploymentCommand({ ApiId: apiId, DeploymentId: deploymentId }),
      );
      expect(one.Description).toBe('first');
    });

    it('refuses a duplicate stage, unknown deployments and an empty deployment id', async () => {
      await expect(
        v2.send(
          new CreateStageCommand({ ApiId: apiId, StageName: 'beta', DeploymentId: deploymentId }),
        ),
      ).rejects.toBeInstanceOf(ConflictException);
      await expect(
        v2.send(new CreateStageCommand({ ApiId: apiId, StageName: 'gamma', DeploymentId: 'no0' })),
      ).rejects.toBeInstanceOf(NotFoundException);
      await expect(
        v2.send(new CreateStageCommand({ ApiId: apiId, StageName: 'gamma', DeploymentId: '' })),
      ).rejects.toBeInstanceOf(BadRequestException);
      await expect(
        v2.send(new GetDeploymentCommand({ ApiId: apiId, DeploymentId: 'nope00' })),
      ).rejects.toBeInstanceOf(NotFoundException);
      expect(await store.getStage(apiId, 'gamma')).toBeUndefined();
    });

    it('CreateStage without a deployment makes a stage that serves nothing until UpdateStage points it at one', async () => {
      const gamma = await v2.send(
        new CreateStageCommand({ ApiId: apiId, StageName: 'gamma', Description: 'later' }),
      );
      expect(gamma).toMatchObject({ StageName: 'gamma', Description: 'later' });
      expect(gamma.DeploymentId).toBeUndefined();
      expect(
        (await v2.send(new GetStageCommand({ ApiId: apiId, StageName: 'gamma' }))).DeploymentId,
      ).toBeUndefined();
      expect(await store.getActiveStage(apiId, 'gamma')).toBeUndefined();
      expect((await store.listStageHeads()).map((h) => h.stage.stageName)).not.toContain('gamma');

      const updated = await v2.send(
        new UpdateStageCommand({
          ApiId: apiId,
          StageName: 'gamma',
          DeploymentId: deploymentId,
          StageVariables: { room: 'lobby', topic: 'news' },
        }),
      );
      expect(updated).toMatchObject({
        DeploymentId: deploymentId,
        Description: 'later',
        StageVariables: { room: 'lobby', topic: 'news' },
      });
      expect(await store.getActiveStage(apiId, 'gamma')).toMatchObject({
        deployment: { id: deploymentId },
      });
      await eventually(() =>
        expect(stageEvent({ stageName: 'gamma', change: 'updated' })).toBe(true),
      );
    });

    it('UpdateStage sets the members given, removes a variable set to "" and keeps the rest', async () => {
      const before = await v2.send(new GetStageCommand({ ApiId: apiId, StageName: 'gamma' }));
      const updated = await v2.send(
        new UpdateStageCommand({
          ApiId: apiId,
          StageName: 'gamma',
          StageVariables: { room: '', lang: 'en' },
        }),
      );
      expect(updated).toMatchObject({
        DeploymentId: deploymentId,
        Description: 'later',
        StageVariables: { topic: 'news', lang: 'en' },
      });
      expect(updated.StageVariables).not.toHaveProperty('room');
      expect(updated.CreatedDate).toEqual(before.CreatedDate);
      const described = await v2.send(
        new UpdateStageCommand({ ApiId: apiId, StageName: 'gamma', Description: 'now' }),
      );
      expect(described).toMatchObject({ Description: 'now', StageVariables: { lang: 'en' } });
    });

    it('UpdateStage refuses unknown APIs, stages and deployments and bad variables, changing nothing', async () => {
      const stored = await store.getStage(apiId, 'gamma');
      await expect(
        v2.send(new UpdateStageCommand({ ApiId: 'nosuchapi0', StageName: 'gamma' })),
      ).rejects.toBeInstanceOf(NotFoundException);
      await expect(
        v2.send(new UpdateStageCommand({ ApiId: apiId, StageName: 'nosuch', Description: 'x' })),
      ).rejects.toBeInstanceOf(NotFoundException);
      const unknown = v2.send(
        new UpdateStageCommand({ ApiId: apiId, StageName: 'gamma', DeploymentId: 'nope00' }),
      );
      await expect(unknown).rejects.toBeInstanceOf(NotFoundException);
      await expect(unknown).rejects.toThrow(/Invalid deployment identifier/);
      const badName = v2.send(
        new UpdateStageCommand({
          ApiId: apiId,
          StageName: 'gamma',
          Description: 'not written',
          StageVariables: { 'bad-name': 'x' },
        }),
      );
      await expect(badName).rejects.toBeInstanceOf(BadRequestException);
      await expect(badName).rejects.toThrow(/Invalid stage variable name/);
      await expect(
        v2.send(new UpdateStageCommand({ ApiId: apiId, StageName: 'gamma', DeploymentId: '' })),
      ).rejects.toBeInstanceOf(BadRequestException);
      expect(await store.getStage(apiId, 'gamma')).toEqual(stored);
    });

    it('CreateDeployment with the name of a stage without a deployment points that stage at it', async () => {
      await v2.send(new CreateStageCommand({ ApiId: apiId, StageName: 'delta' }));
      const d = await v2.send(new CreateDeploymentCommand({ ApiId: apiId, StageName: 'delta' }));
      const delta = await v2.send(new GetStageCommand({ ApiId: apiId, StageName: 'delta' }));
      expect(delta.DeploymentId).toBe(d.DeploymentId);
      await v2.send(new DeleteStageCommand({ ApiId: apiId, StageName: 'delta' }));
      // Kept for the DeleteDeployment tests: no stage points at it any more.
      spareDeploymentId = d.DeploymentId!;
    });

    it('DeleteDeployment refuses a deployment a stage points at, as AWS', async () => {
      const inUse = v2.send(
        new DeleteDeploymentCommand({ ApiId: apiId, DeploymentId: deploymentId }),
      );
      await expect(inUse).rejects.toBeInstanceOf(BadRequestException);
      await expect(inUse).rejects.toThrow(
        /^Active stages pointing to this deployment must be moved or deleted$/,
      );
      expect(await store.getDeployment(apiId, deploymentId)).toBeDefined();
      await expect(
        v2.send(new DeleteDeploymentCommand({ ApiId: apiId, DeploymentId: 'nope00' })),
      ).rejects.toBeInstanceOf(NotFoundException);
      await expect(
        v2.send(new DeleteDeploymentCommand({ ApiId: 'nosuchapi0', DeploymentId: deploymentId })),
      ).rejects.toBeInstanceOf(NotFoundException);
    });

    it('DeleteDeployment deletes a deployment no stage points at; it is unknown after', async () => {
      await v2.send(new DeleteDeploymentCommand({ ApiId: apiId, DeploymentId: spareDeploymentId }));
      await expect(
        v2.send(new GetDeploymentCommand({ ApiId: apiId, DeploymentId: spareDeploymentId })),
      ).rejects.toBeInstanceOf(NotFoundException);
      const listed = await v2.send(new GetDeploymentsCommand({ ApiId: apiId }));
      expect(listed.Items!.map((d) => d.DeploymentId)).toEqual([deploymentId]);
      expect(await store.getDeployment(apiId, spareDeploymentId)).toBeUndefined();
      await expect(
        v2.send(new DeleteDeploymentCommand({ ApiId: apiId, DeploymentId: spareDeploymentId })),
      ).rejects.toBeInstanceOf(NotFoundException);
      await expect(
        v2.send(
          new UpdateStageCommand({
            ApiId: apiId,
            StageName: 'gamma',
            DeploymentId: spareDeploymentId,
          }),
        ),
      ).rejects.toBeInstanceOf(NotFoundException);
    });

    it('a WebSocket API without routes cannot be deployed', async () => {
      const empty = await v2.send(
        new CreateApiCommand({
          Name: 'empty',
          ProtocolType: 'WEBSOCKET',
          RouteSelectionExpression: '$request.body.action',
        }),
      );
      const d = v2.send(new CreateDeploymentCommand({ ApiId: empty.ApiId! }));
      await expect(d).rejects.toBeInstanceOf(BadRequestException);
      await expect(d).rejects.toThrow(/At least one route/);
      await v2.send(new DeleteApiCommand({ ApiId: empty.ApiId! }));
    });

    it('DeleteStage removes the stage and announces it', async () => {
      await v2.send(new DeleteStageCommand({ ApiId: apiId, StageName: 'beta' }));
      await expect(
        v2.send(new GetStageCommand({ ApiId: apiId, StageName: 'beta' })),
      ).rejects.toBeInstanceOf(NotFoundException);
      await eventually(() =>
        expect(stageEvent({ stageName: 'beta', change: 'deleted' })).toBe(true),
      );
    });

    it('DeleteApi deletes the API with its stages and deployments', async () => {
      await v2.send(new DeleteApiCommand({ ApiId: apiId }));
      await expect(v2.send(new GetApiCommand({ ApiId: apiId }))).rejects.toBeInstanceOf(
        NotFoundException,
      );
      expect(await store.listStages(apiId)).toEqual([]);
      expect(await store.listDeployments(apiId)).toEqual([]);
      await eventually(() =>
        expect(stageEvent({ stageName: 'prod', change: 'deleted' })).toBe(true),
      );
      await expect(v2.send(new DeleteApiCommand({ ApiId: apiId }))).rejects.toBeInstanceOf(
        NotFoundException,
      );
    });
  });
});

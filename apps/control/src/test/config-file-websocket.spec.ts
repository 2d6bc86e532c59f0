import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type APIGatewayClient, GetBasePathMappingsCommand } from '@aws-sdk/client-api-gateway';
import {
  type ApiGatewayV2Client,
  GetApiCommand,
  GetApisCommand,
  GetDeploymentsCommand,
  GetRoutesCommand,
  GetStageCommand,
  NotFoundException,
} from '@aws-sdk/client-apigatewayv2';
import { CONTROL_STAGE_CHANGED } from '@portico/contracts';
import { DefinitionStore } from '@portico/definitions';
import type { RunningService } from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import Redis from 'ioredis';
import { bootstrap } from '../bootstrap';
import {
  configFileDeploys,
  controlEnv,
  eventRecorder,
  sdkClient,
  v2Client,
} from './control-harness';

const config = (opts: { echoTimeout: number; withChat?: boolean; extra?: string }): string =>
  opts.withChat === false
    ? 'webSocketApis: []\n'
    : `
webSocketApis:
  - id: chat
    name: Chat
    allowedOrigins: ['https://app.example.test']
    routes:
      $connect:    { integration: { type: AWS_PROXY, uri: chat } }
      $disconnect: { integration: { type: AWS_PROXY, uri: chat } }
      sendmessage: { integration: { type: AWS_PROXY, uri: chat }, routeResponse: true }
      echo:
        integration: { type: HTTP_PROXY, uri: 'http://127.0.0.1:3000/echo', method: POST, timeoutInMillis: ${opts.echoTimeout} }
        routeResponse: true
      $default:
        integration:
          type: MOCK
          requestTemplates: { $default: '{"statusCode": 200}' }
          responseTemplate: '{"message":"unknown action"}'
        routeResponse: true${opts.extra ?? ''}
    stages:
      - name: prod
        variables: { room: lobby }
domainNames:
  - domainName: chat.example.test
    basePathMappings:
      - { restApi: chat, stage: prod }
`;

describe('the declarative config file: webSocketApis', () => {
  let infra: TestInfra;
  let control: RunningService;
  let v1: APIGatewayClient;
  let v2: ApiGatewayV2Client;
  let recorder: Awaited<ReturnType<typeof eventRecorder>>;
  let redis: Redis;
  let store: DefinitionStore;
  let dir: string;
  let firstDeployment: string;

  const path = (): string => join(dir, 'portico.yaml');
  const deploysCounted = (outcome: string) => configFileDeploys(control.opsPort, outcome);
  const chatEvents = (from: number) =>
    recorder.events
      .slice(from)
      .filter((e) => e.subject === CONTROL_STAGE_CHANGED && e.data.restApiId === 'chat');

  beforeAll(async () => {
    infra = await startInfra();
    dir = mkdtempSync(join(tmpdir(), 'portico-ws-config-'));
    writeFileSync(path(), config({ echoTimeout: 5000 }));
    recorder = await eventRecorder(infra.natsUrl, [CONTROL_STAGE_CHANGED]);
    control = await bootstrap(controlEnv(infra, { PORTICO_CONFIG: path() }));
    v1 = sdkClient(control.port);
    v2 = v2Client(control.port);
    redis = new Redis(infra.redisUrl);
    store = new DefinitionStore(redis, infra.redisKeyPrefix);
  });

  afterAll(async () => {
    v1?.destroy();
    v2?.destroy();
    redis?.disconnect();
    await control?.close();
    await recorder?.close();
    await infra?.stop();
  });

  it('deploys the WebSocket API at start, with its routes, stage and mapping', async () => {
    const api = await v2.send(new GetApiCommand({ ApiId: 'chat' }));
    expect(api).toMatchObject({
      Name: 'Chat',
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
      Tags: { 'portico:managed-by': 'config-file' },
    });
    const routes = await v2.send(new GetRoutesCommand({ ApiId: 'chat' }));
    expect(routes.Items!.map((r) => r.RouteKey).sort()).toEqual([
      '$connect',
      '$default',
      '$disconnect',
      'echo',
      'sendmessage',
    ]);
    const stage = await v2.send(new GetStageCommand({ ApiId: 'chat', StageName: 'prod' }));
    expect(stage.StageVariables).toEqual({ room: 'lobby' });
    firstDeployment = stage.DeploymentId!;

    const active = await store.getActiveStage('chat', 'prod');
    const ws = active!.deployment.definition.webSocket!;
    expect(ws.settings.allowedOrigins).toEqual(['https://app.example.test']);
    const send = Object.values(ws.routes).find((r) => r.routeKey === 'sendmessage');
    expect(send).toMatchObject({ routeResponseSelectionExpression: '$default' });
    expect(ws.integrations[send!.integrationId!]!.integration).toMatchObject({
      type: 'AWS_PROXY',
      uri: 'chat',
    });

    const mappings = await v1.send(
      new GetBasePathMappingsCommand({ domainName: 'chat.example.test' }),
    );
    expect(mappings.items!.map((m) => [m.basePath, m.restApiId, m.stage])).toEqual([
      ['(none)', 'chat', 'prod'],
    ]);
    await eventually(() =>
      expect(chatEvents(0).some((e) => e.data.stageName === 'prod')).toBe(true),
    );
  });

  it('redeploys nothing when the file is unchanged', async () => {
    const from = recorder.events.length;
    const before = await deploysCounted('unchanged');
    writeFileSync(path(), config({ echoTimeout: 5000 }));
    await eventually(async () => expect(await deploysCounted('unchanged')).toBeGreaterThan(before));
    const deployments = await v2.send(new GetDeploymentsCommand({ ApiId: 'chat' }));
    expect(deployments.Items!.map((d) => d.DeploymentId)).toEqual([firstDeployment]);
    expect(chatEvents(from)).toEqual([]);
  });

  it('deploys a changed route and announces the stage', async () => {
    const from = recorder.events.length;
    writeFileSync(path(), config({ echoTimeout: 8000 }));
    await eventually(async () => {
      const stage = await v2.send(new GetStageCommand({ ApiId: 'chat', StageName: 'prod' }));
      expect(stage.DeploymentId).not.toBe(firstDeployment);
    });
    const active = await store.getActiveStage('chat', 'prod');
    const ws = active!.deployment.definition.webSocket!;
    const echo = Object.values(ws.routes).find((r) => r.routeKey === 'echo');
    expect(ws.integrations[echo!.integrationId!]!.integration.timeoutInMillis).toBe(8000);
    await eventually(() => expect(chatEvents(from).map((e) => e.data.change)).toEqual(['updated']));
  });

  it('refuses a file with an unknown route field and changes nothing', async () => {
    const before = await deploysCounted('invalid');
    const stage = await v2.send(new GetStageCommand({ ApiId: 'chat', StageName: 'prod' }));
    writeFileSync(path(), config({ echoTimeout: 5000, extra: '\n        colour: blue' }));
    await eventually(async () => expect(await deploysCounted('invalid')).toBe(before + 1));
    const after = await v2.send(new GetStageCommand({ ApiId: 'chat', StageName: 'prod' }));
    expect(after.DeploymentId).toBe(stage.DeploymentId);
  });

  it('deletes the API once the file no longer declares it', async () => {
    const from = recorder.events.length;
    writeFileSync(path(), config({ echoTimeout: 5000, withChat: false }));
    await eventually(async () =>
      expect(v2.send(new GetApiCommand({ ApiId: 'chat' }))).rejects.toBeInstanceOf(
        NotFoundException,
      ),
    );
    expect((await v2.send(new GetApisCommand({}))).Items).toEqual([]);
    expect(await store.listStages('chat')).toEqual([]);
    await eventually(() => expect(chatEvents(from).map((e) => e.data.change)).toEqual(['deleted']));
  });
});

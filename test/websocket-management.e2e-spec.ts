import {
  ApiGatewayV2Client,
  BadRequestException,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateStageCommand,
  DeleteDeploymentCommand,
  DeleteRouteCommand,
  DeleteStageCommand,
  GetDeploymentCommand,
  NotFoundException,
  UpdateIntegrationCommand,
  UpdateRouteCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import { bootstrap as startControl } from '@portico/control';
import { type FunctionRunner, startFunctionRunner } from '@portico/functions';
import type { RunningService } from '@portico/platform';
import { eventually } from '@portico/testing';
import { TestClient } from './support/websocket-fixtures';
import { createTwoWayRoute, createWebSocketApi, v2ManagementClient } from './support/websocket-v2';
import { type SeenEvent, WebSocketStack } from './support/websocket-stack';

/** The handshake's outcome: `status N` when the edge refuses it. */
async function handshake(url: string): Promise<string> {
  try {
    const client = await TestClient.connect(url);
    client.ws.terminate();
    return 'connected';
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * The v2 management API to the data plane: an API built with `@aws-sdk/client-apigatewayv2`
 * against control is served by a running edge as soon as it is deployed, and a redeploy
 * changes what a new message selects without dropping the connection.
 */
describe('WebSocket APIs through the v2 management API', () => {
  let stack: WebSocketStack;
  let control: RunningService;
  let edge: RunningService;
  let v2: ApiGatewayV2Client;
  let shout: FunctionRunner;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    stack = await WebSocketStack.start(1);
    control = await startControl(
      stack.env({ CONTROL_PORT: '0', CONTROL_OPS_PORT: '0', PORTICO_CONFIG_WATCH: 'false' }),
    );
    edge = await stack.startEdge();
    // A second function, so that an integration pointed at it shows where a message went.
    shout = await startFunctionRunner({
      natsUrl: stack.infra.natsUrl,
      name: 'shout',
      handler: (event: unknown) => ({
        statusCode: 200,
        body: JSON.stringify({ shouted: (event as SeenEvent).requestContext.routeKey }),
      }),
    });
    v2 = v2ManagementClient(control.port);
  });

  const createApi = (name: string): Promise<string> => createWebSocketApi(v2, name);

  /** An integration with the stack's chat function; its id. */
  const chatIntegration = async (apiId: string): Promise<string> =>
    (
      await v2.send(
        new CreateIntegrationCommand({
          ApiId: apiId,
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: 'chat',
        }),
      )
    ).IntegrationId!;

  const twoWayRoute = (apiId: string, routeKey: string, integrationId: string): Promise<string> =>
    createTwoWayRoute(v2, apiId, routeKey, integrationId);

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await shout?.close();
    await control?.close();
    await stack?.close();
  });

  it('serves an API created, routed and deployed with the SDK, and a redeploy live', async () => {
    const apiId = await createApi('sdk-chat');
    const integrationId = await chatIntegration(apiId);
    const echoId = await twoWayRoute(apiId, 'echo', integrationId);
    await twoWayRoute(apiId, '$default', integrationId);
    await v2.send(new CreateDeploymentCommand({ ApiId: apiId, StageName: 'live' }));

    // The edge loads the stage when control's change event arrives.
    await eventually(async () => {
      clients.push(await TestClient.connect(stack.url(edge, apiId, 'live')));
    });
    const client = clients.at(-1)!;
    client.send({ action: 'echo', n: 1 });
    expect(JSON.parse(await client.next())).toMatchObject({ routeKey: 'echo', echo: { n: 1 } });

    await v2.send(new DeleteRouteCommand({ ApiId: apiId, RouteId: echoId }));
    await v2.send(new CreateDeploymentCommand({ ApiId: apiId, StageName: 'live' }));
    await eventually(async () => {
      client.send({ action: 'echo', n: 2 });
      const reply = JSON.parse(await client.next()) as { routeKey: string };
      expect(reply.routeKey).toBe('$default');
    });
    expect(client.closeCode).toBeUndefined();
  });

  it('serves a stage created without a deployment once UpdateStage gives it one; updated routes and integrations reach an open connection with the next deployment', async () => {
    const apiId = await createApi('updates');
    await twoWayRoute(apiId, '$default', await chatIntegration(apiId));
    const echoTarget = await chatIntegration(apiId);
    const echoRoute = await twoWayRoute(apiId, 'echo', echoTarget);
    const first = (await v2.send(new CreateDeploymentCommand({ ApiId: apiId }))).DeploymentId!;

    await v2.send(new CreateStageCommand({ ApiId: apiId, StageName: 'later' }));
    // An edge applies changes in order: once `now` is served, `later`'s creation was applied.
    await v2.send(new CreateStageCommand({ ApiId: apiId, StageName: 'now', DeploymentId: first }));
    await eventually(async () =>
      expect(await handshake(stack.url(edge, apiId, 'now'))).toBe('connected'),
    );
    const unknown = await handshake(stack.url(edge, apiId, 'nosuch'));
    expect(unknown).toMatch(/^status 4\d\d$/);
    expect(await handshake(stack.url(edge, apiId, 'later'))).toBe(unknown);

    await v2.send(
      new UpdateStageCommand({ ApiId: apiId, StageName: 'later', DeploymentId: first }),
    );
    await eventually(async () => {
      clients.push(await TestClient.connect(stack.url(edge, apiId, 'later')));
    });
    const client = clients.at(-1)!;
    client.send({ action: 'echo', n: 1 });
    expect(JSON.parse(await client.next())).toMatchObject({ routeKey: 'echo', echo: { n: 1 } });

    // Updated, not deployed: the stage still serves its deployment.
    await v2.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: echoRoute, RouteKey: 'shout' }));
    await v2.send(
      new UpdateIntegrationCommand({
        ApiId: apiId,
        IntegrationId: echoTarget,
        IntegrationUri: 'shout',
      }),
    );
    client.send({ action: 'echo', n: 2 });
    expect(JSON.parse(await client.next())).toMatchObject({ routeKey: 'echo', echo: { n: 2 } });

    const second = (await v2.send(new CreateDeploymentCommand({ ApiId: apiId }))).DeploymentId!;
    await v2.send(
      new UpdateStageCommand({ ApiId: apiId, StageName: 'later', DeploymentId: second }),
    );
    await eventually(async () => {
      client.send({ action: 'shout', n: 3 });
      expect(JSON.parse(await client.next())).toEqual({ shouted: 'shout' });
    });
    client.send({ action: 'echo', n: 4 });
    expect(JSON.parse(await client.next())).toMatchObject({ routeKey: '$default', echo: { n: 4 } });

    // `now` still serves the first deployment: AWS refuses to delete it, and so does Portico.
    const inUse = v2.send(new DeleteDeploymentCommand({ ApiId: apiId, DeploymentId: first }));
    await expect(inUse).rejects.toBeInstanceOf(BadRequestException);
    await expect(inUse).rejects.toThrow(
      'Active stages pointing to this deployment must be moved or deleted',
    );
    await v2.send(new DeleteStageCommand({ ApiId: apiId, StageName: 'now' }));
    await v2.send(new DeleteDeploymentCommand({ ApiId: apiId, DeploymentId: first }));
    await expect(
      v2.send(new GetDeploymentCommand({ ApiId: apiId, DeploymentId: first })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await v2.send(new CreateStageCommand({ ApiId: apiId, StageName: 'empty' }));
    client.send({ action: 'shout', n: 5 });
    expect(JSON.parse(await client.next())).toEqual({ shouted: 'shout' });
    expect(client.closeCode).toBeUndefined();

    // An edge that starts now loads everything in full: the stage that has a deployment is
    // served, the one without answers as an unknown stage.
    const fresh = await stack.startEdge();
    const late = await TestClient.connect(stack.url(fresh, apiId, 'later'));
    clients.push(late);
    late.send({ action: 'shout', n: 6 });
    expect(JSON.parse(await late.next())).toEqual({ shouted: 'shout' });
    expect(await handshake(stack.url(fresh, apiId, 'empty'))).toBe(
      await handshake(stack.url(fresh, apiId, 'nosuch')),
    );
  });
});

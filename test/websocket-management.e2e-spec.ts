import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateRouteResponseCommand,
  DeleteRouteCommand,
} from '@aws-sdk/client-apigatewayv2';
import { bootstrap as startControl } from '@portico/control';
import type { RunningService } from '@portico/platform';
import { eventually } from '@portico/testing';
import { TestClient } from './support/websocket-fixtures';
import { WebSocketStack } from './support/websocket-stack';

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
  const clients: TestClient[] = [];

  beforeAll(async () => {
    stack = await WebSocketStack.start(1);
    control = await startControl(
      stack.env({ CONTROL_PORT: '0', CONTROL_OPS_PORT: '0', PORTICO_CONFIG_WATCH: 'false' }),
    );
    edge = await stack.startEdge();
    v2 = new ApiGatewayV2Client({
      endpoint: `http://127.0.0.1:${control.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await control?.close();
    await stack?.close();
  });

  it('serves an API created, routed and deployed with the SDK, and a redeploy live', async () => {
    const api = await v2.send(
      new CreateApiCommand({
        Name: 'sdk-chat',
        ProtocolType: 'WEBSOCKET',
        RouteSelectionExpression: '$request.body.action',
      }),
    );
    const apiId = api.ApiId!;
    const integration = await v2.send(
      new CreateIntegrationCommand({
        ApiId: apiId,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: 'chat',
      }),
    );
    const target = `integrations/${integration.IntegrationId!}`;
    const twoWay = async (routeKey: string): Promise<string> => {
      const route = await v2.send(
        new CreateRouteCommand({
          ApiId: apiId,
          RouteKey: routeKey,
          Target: target,
          RouteResponseSelectionExpression: '$default',
        }),
      );
      await v2.send(
        new CreateRouteResponseCommand({
          ApiId: apiId,
          RouteId: route.RouteId!,
          RouteResponseKey: '$default',
        }),
      );
      return route.RouteId!;
    };
    const echoId = await twoWay('echo');
    await twoWay('$default');
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
});

import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateRouteCommand,
  CreateRouteResponseCommand,
} from '@aws-sdk/client-apigatewayv2';

/** The AWS SDK's v2 management client for `control` on `port` (unsigned control: any credentials do). */
export function v2ManagementClient(port: number): ApiGatewayV2Client {
  return new ApiGatewayV2Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** A WebSocket API selecting routes by `$request.body.action`; its id. */
export async function createWebSocketApi(v2: ApiGatewayV2Client, name: string): Promise<string> {
  const api = await v2.send(
    new CreateApiCommand({
      Name: name,
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    }),
  );
  return api.ApiId!;
}

/** A route whose integration's answer goes back to the client; its id. */
export async function createTwoWayRoute(
  v2: ApiGatewayV2Client,
  apiId: string,
  routeKey: string,
  integrationId: string,
): Promise<string> {
  const route = await v2.send(
    new CreateRouteCommand({
      ApiId: apiId,
      RouteKey: routeKey,
      Target: `integrations/${integrationId}`,
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
}

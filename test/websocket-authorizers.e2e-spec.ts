import {
  ApiGatewayV2Client,
  BadRequestException,
  ConflictException,
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateRouteResponseCommand,
  DeleteAuthorizerCommand,
  GetAuthorizerCommand,
  GetAuthorizersCommand,
  GetRouteCommand,
  NotFoundException,
  UpdateAuthorizerCommand,
  UpdateRouteCommand,
} from '@aws-sdk/client-apigatewayv2';
import { bootstrap as startControl } from '@portico/control';
import { type FunctionRunner, startFunctionRunner } from '@portico/functions';
import type { RunningService } from '@portico/platform';
import { eventually } from '@portico/testing';
import { request } from 'undici';
import { WebSocket } from 'ws';
import { TestClient } from './support/websocket-fixtures';
import { type SeenEvent, WebSocketStack } from './support/websocket-stack';

/** What the authorizer function received. */
interface AuthorizerEvent {
  type: string;
  methodArn: string;
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: { routeKey: string; eventType: string; connectionId: string; apiId: string };
}

type WithAuthorizer = SeenEvent & {
  requestContext: SeenEvent['requestContext'] & { authorizer?: Record<string, unknown> };
};

/** How the edge answered a refused handshake: status, body and error type. */
async function refusal(url: string): Promise<{ status: number; body: string; errorType?: string }> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the handshake was accepted'));
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        ws.terminate();
        const errorType = res.headers['x-amzn-errortype'];
        resolve({
          status: res.statusCode ?? 0,
          body,
          errorType: typeof errorType === 'string' ? errorType : undefined,
        });
      });
    });
  });
}

const AUTHORIZER_URI =
  'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:ws-auth/invocations';

/**
 * Lambda REQUEST authorizers on WebSocket `$connect`, managed with `@aws-sdk/client-apigatewayv2`
 * against control and run by a real edge through the function runner: the handshake is decided
 * by the authorizer (401, 403, 500 as AWS), its principal and context reach `$connect`, every
 * later message and `$disconnect`, and its results are cached per identity for their TTL.
 */
describe('WebSocket $connect authorizers', () => {
  let stack: WebSocketStack;
  let control: RunningService;
  let edge: RunningService;
  let v2: ApiGatewayV2Client;
  let authorizerFn: FunctionRunner;
  let apiId: string;
  let authorizerId: string;
  let connectRouteId: string;
  let echoRouteId: string;
  const calls: AuthorizerEvent[] = [];
  const clients: TestClient[] = [];

  const callsFor = (token: string): number =>
    calls.filter((c) => c.queryStringParameters?.token === token).length;
  const connects = (): WithAuthorizer[] =>
    stack.events.filter((e) => e.requestContext.eventType === 'CONNECT') as WithAuthorizer[];
  const url = (query = ''): string => stack.url(edge, apiId, 'prod', query);
  const connect = async (token: string): Promise<TestClient> => {
    const client = await TestClient.connect(url(`?token=${token}`));
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    stack = await WebSocketStack.start(1);
    authorizerFn = await startFunctionRunner({
      natsUrl: stack.infra.natsUrl,
      name: 'ws-auth',
      handler: (e: unknown) => {
        const event = e as AuthorizerEvent;
        calls.push(event);
        const token = event.queryStringParameters?.token ?? '';
        if (token === 'unauthorized') throw new Error('Unauthorized');
        if (token === 'broken') throw new Error('the authorizer fell over');
        return {
          principalId: `user-${token}`,
          policyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Action: 'execute-api:Invoke',
                Effect: token === 'deny' ? 'Deny' : 'Allow',
                Resource: event.methodArn,
              },
            ],
          },
          context: { tier: 'gold', n: 7, ok: true },
        };
      },
    });
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

    apiId = (
      await v2.send(
        new CreateApiCommand({
          Name: 'guarded',
          ProtocolType: 'WEBSOCKET',
          RouteSelectionExpression: '$request.body.action',
        }),
      )
    ).ApiId!;
    const target = `integrations/${
      (
        await v2.send(
          new CreateIntegrationCommand({
            ApiId: apiId,
            IntegrationType: 'AWS_PROXY',
            IntegrationUri: 'chat',
          }),
        )
      ).IntegrationId
    }`;
    connectRouteId = (
      await v2.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: '$connect', Target: target }))
    ).RouteId!;
    await v2.send(
      new CreateRouteCommand({ ApiId: apiId, RouteKey: '$disconnect', Target: target }),
    );
    echoRouteId = (
      await v2.send(
        new CreateRouteCommand({
          ApiId: apiId,
          RouteKey: 'echo',
          Target: target,
          RouteResponseSelectionExpression: '$default',
        }),
      )
    ).RouteId!;
    await v2.send(
      new CreateRouteResponseCommand({
        ApiId: apiId,
        RouteId: echoRouteId,
        RouteResponseKey: '$default',
      }),
    );
    authorizerId = (
      await v2.send(
        new CreateAuthorizerCommand({
          ApiId: apiId,
          Name: 'tokens',
          AuthorizerType: 'REQUEST',
          AuthorizerUri: AUTHORIZER_URI,
          IdentitySource: ['route.request.querystring.token'],
          AuthorizerResultTtlInSeconds: 300,
        }),
      )
    ).AuthorizerId!;
    await v2.send(
      new UpdateRouteCommand({
        ApiId: apiId,
        RouteId: connectRouteId,
        AuthorizationType: 'CUSTOM',
        AuthorizerId: authorizerId,
      }),
    );
    await v2.send(new CreateDeploymentCommand({ ApiId: apiId, StageName: 'prod' }));
    // The edge loads the stage when control's change event arrives; until then it answers 403.
    await eventually(async () => {
      expect((await refusal(url())).status).toBe(401);
    });
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await authorizerFn?.close();
    await control?.close();
    await stack?.close();
  });

  it('manages authorizers with AWS shapes, and attaches them to $connect only', async () => {
    const expected = {
      AuthorizerId: authorizerId,
      Name: 'tokens',
      AuthorizerType: 'REQUEST',
      AuthorizerUri: AUTHORIZER_URI,
      IdentitySource: ['route.request.querystring.token'],
      AuthorizerResultTtlInSeconds: 300,
    };
    expect(
      await v2.send(new GetAuthorizerCommand({ ApiId: apiId, AuthorizerId: authorizerId })),
    ).toMatchObject(expected);
    expect((await v2.send(new GetAuthorizersCommand({ ApiId: apiId }))).Items).toEqual([expected]);
    expect(
      await v2.send(new GetRouteCommand({ ApiId: apiId, RouteId: connectRouteId })),
    ).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: authorizerId });

    const restricted = v2.send(
      new UpdateRouteCommand({
        ApiId: apiId,
        RouteId: echoRouteId,
        AuthorizationType: 'CUSTOM',
        AuthorizerId: authorizerId,
      }),
    );
    await expect(restricted).rejects.toBeInstanceOf(BadRequestException);
    await expect(restricted).rejects.toThrow(
      'Currently, authorization is restricted to the $connect route only',
    );
    await expect(
      v2.send(
        new CreateRouteCommand({ ApiId: apiId, RouteKey: 'other', AuthorizationType: 'AWS_IAM' }),
      ),
    ).rejects.toThrow('Currently, authorization is restricted to the $connect route only');
    await expect(
      v2.send(
        new UpdateRouteCommand({
          ApiId: apiId,
          RouteId: connectRouteId,
          AuthorizationType: 'CUSTOM',
          AuthorizerId: 'nope000',
        }),
      ),
    ).rejects.toThrow(/Invalid authorizer ID specified/);

    const refused: Array<Partial<ConstructorParameters<typeof CreateAuthorizerCommand>[0]>> = [
      { AuthorizerType: 'JWT' },
      { IdentitySource: ['method.request.header.Auth'] },
      { AuthorizerResultTtlInSeconds: 3601 },
      { AuthorizerUri: 'https://example.test/not-a-function' },
    ];
    for (const input of refused) {
      await expect(
        v2.send(
          new CreateAuthorizerCommand({
            ApiId: apiId,
            Name: 'bad',
            AuthorizerType: 'REQUEST',
            AuthorizerUri: AUTHORIZER_URI,
            IdentitySource: ['route.request.header.Auth'],
            ...input,
          }),
        ),
      ).rejects.toBeInstanceOf(BadRequestException);
    }
    await expect(
      v2.send(new GetAuthorizerCommand({ ApiId: apiId, AuthorizerId: 'nope000' })),
    ).rejects.toBeInstanceOf(NotFoundException);

    const inUse = v2.send(
      new DeleteAuthorizerCommand({ ApiId: apiId, AuthorizerId: authorizerId }),
    );
    await expect(inUse).rejects.toBeInstanceOf(ConflictException);
    await expect(inUse).rejects.toThrow(
      "Cannot delete authorizer 'tokens', is referenced in route: $connect",
    );

    // One nobody uses goes.
    const spare = await v2.send(
      new CreateAuthorizerCommand({
        ApiId: apiId,
        Name: 'spare',
        AuthorizerType: 'REQUEST',
        AuthorizerUri: 'ws-auth',
        IdentitySource: ['route.request.header.Auth'],
      }),
    );
    expect(spare.AuthorizerResultTtlInSeconds).toBe(300);
    await v2.send(new DeleteAuthorizerCommand({ ApiId: apiId, AuthorizerId: spare.AuthorizerId }));
    expect((await v2.send(new GetAuthorizersCommand({ ApiId: apiId }))).Items).toHaveLength(1);
  });

  it('admits a caller the authorizer allows; its principal and context reach $connect, later messages and $disconnect', async () => {
    const client = await connect('alice');
    const call = calls.find((c) => c.queryStringParameters?.token === 'alice')!;
    expect(call).toMatchObject({
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:us-east-1:123456789012:${apiId}/prod/$connect`,
      queryStringParameters: { token: 'alice' },
      requestContext: { routeKey: '$connect', eventType: 'CONNECT', apiId },
    });
    expect(call.headers).toMatchObject({ 'Sec-WebSocket-Version': '13' });

    const authorizer = { principalId: 'user-alice', tier: 'gold', n: 7, ok: true };
    const connected = connects().at(-1)!;
    // The authorizer saw the connection $connect then ran for.
    expect(connected.requestContext.connectionId).toBe(call.requestContext.connectionId);
    expect(connected.requestContext.authorizer).toEqual(authorizer);

    client.send({ action: 'echo', text: 'hi' });
    expect(JSON.parse(await client.next())).toMatchObject({ routeKey: 'echo' });
    const id = connected.requestContext.connectionId;
    const message = stack.events.find(
      (e) => e.requestContext.eventType === 'MESSAGE' && e.requestContext.connectionId === id,
    ) as WithAuthorizer;
    expect(message.requestContext.authorizer).toEqual(authorizer);

    // Presence knows the connection by the authorizer's principal ($connect named none).
    const res = await request(
      `${stack.endpoint(edge, apiId, 'prod')}/@connections?principal=user-alice`,
    );
    const list = (await res.body.json()) as { items: { connectionId: string }[] };
    expect(list.items.map((i) => i.connectionId)).toEqual([id]);

    client.ws.close();
    await eventually(() => expect(stack.disconnects(id)).toHaveLength(1));
    expect((stack.disconnects(id)[0] as WithAuthorizer).requestContext.authorizer).toEqual(
      authorizer,
    );
  });

  it('refuses the handshake as AWS does, and nothing reaches $connect', async () => {
    const before = connects().length;
    const callsBefore = calls.length;
    expect(await refusal(url())).toEqual({
      status: 401,
      body: '{"message":"Unauthorized"}',
      errorType: 'UnauthorizedException',
    });
    expect(await refusal(url('?token='))).toMatchObject({ status: 401 });
    // Missing identity: refused without calling the function.
    expect(calls.length).toBe(callsBefore);

    expect(await refusal(url('?token=deny'))).toEqual({
      status: 403,
      body: '{"Message":"User is not authorized to access this resource with an explicit deny"}',
      errorType: 'ForbiddenException',
    });
    expect(await refusal(url('?token=unauthorized'))).toEqual({
      status: 401,
      body: '{"message":"Unauthorized"}',
      errorType: 'UnauthorizedException',
    });
    expect(await refusal(url('?token=broken'))).toEqual({
      status: 500,
      body: '{"message":null}',
      errorType: 'AuthorizerConfigurationException',
    });
    expect(callsFor('deny') + callsFor('unauthorized') + callsFor('broken')).toBe(3);
    expect(connects().length).toBe(before);
  });

  it('keeps a result for its TTL per identity, and calls every time with TTL 0', async () => {
    (await connect('bob')).ws.close();
    (await connect('bob')).ws.close();
    expect(callsFor('bob')).toBe(1);
    // A policy denial is cached too (it is a result with a policy): no second call.
    await refusal(url('?token=deny'));
    expect(callsFor('deny')).toBe(1);
    // A failure is not kept: each handshake calls again.
    const broken = callsFor('broken');
    await refusal(url('?token=broken'));
    await refusal(url('?token=broken'));
    expect(callsFor('broken')).toBe(broken + 2);

    await v2.send(
      new UpdateAuthorizerCommand({
        ApiId: apiId,
        AuthorizerId: authorizerId,
        AuthorizerResultTtlInSeconds: 0,
      }),
    );
    expect(
      (await v2.send(new GetAuthorizerCommand({ ApiId: apiId, AuthorizerId: authorizerId })))
        .AuthorizerResultTtlInSeconds,
    ).toBe(0);
    await v2.send(new CreateDeploymentCommand({ ApiId: apiId, StageName: 'prod' }));
    // Once the edge serves the new deployment, every handshake makes its own call.
    await eventually(async () => {
      const was = callsFor('carol');
      (await connect('carol')).ws.close();
      (await connect('carol')).ws.close();
      expect(callsFor('carol') - was).toBe(2);
    });
    const was = callsFor('carol');
    (await connect('carol')).ws.close();
    expect(callsFor('carol')).toBe(was + 1);
  });
});

import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { RunningService } from '@portico/platform';
import { eventually } from '@portico/testing';
import { request } from 'undici';
import { deployWebSocketApi, TestClient } from './support/websocket-fixtures';
import { WebSocketStack } from './support/websocket-stack';

/**
 * WebSocket APIs across two edges and two connections replicas: `$connect` deciding the
 * handshake, route selection, route responses, @connections through the AWS SDK from the
 * other edge, channels and presence.
 */
describe('WebSocket APIs', () => {
  let stack: WebSocketStack;
  let edgeA: RunningService;
  let edgeB: RunningService;
  const clients: TestClient[] = [];

  const connect = async (edge: RunningService, query = '', opts = {}): Promise<TestClient> => {
    const c = await TestClient.connect(stack.url(edge, 'chat', 'prod', query), opts);
    clients.push(c);
    return c;
  };
  const sdk = (edge: RunningService): ApiGatewayManagementApiClient =>
    new ApiGatewayManagementApiClient({
      endpoint: stack.endpoint(edge),
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });

  beforeAll(async () => {
    stack = await WebSocketStack.start(2);
    await deployWebSocketApi(stack.store, {
      id: 'strict',
      routes: {
        ping: {
          integration: {
            type: 'MOCK',
            requestTemplates: { 'application/json': '{"statusCode": 200}' },
          },
        },
      },
      allowedOrigins: ['https://good.example'],
    });
    edgeA = await stack.startEdge();
    edgeB = await stack.startEdge();
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await stack?.close();
  });

  it('runs $connect, routes by action, answers two-way routes and falls back to $default', async () => {
    const c = await connect(edgeA);
    const id = stack.connectionIdOf();
    c.send({ action: 'echo', text: 'hi' });
    expect(JSON.parse(await c.next())).toEqual({
      echo: { action: 'echo', text: 'hi' },
      routeKey: 'echo',
      connectionId: id,
    });
    c.send({ action: 'nosuch' });
    expect(JSON.parse(await c.next())).toEqual({ message: 'unknown action' });
    c.send('not json at all');
    expect(JSON.parse(await c.next())).toEqual({ message: 'unknown action' });
    c.send({ action: 'fail' });
    const failed = JSON.parse(await c.next()) as Record<string, string>;
    expect(failed).toMatchObject({ message: 'Internal server error', connectionId: id });
    expect(failed.requestId).toEqual(expect.any(String));
    const message = stack.events.find((e) => e.requestContext.routeKey === 'echo')!;
    expect(message.requestContext).toMatchObject({ eventType: 'MESSAGE', connectionId: id });
    expect(message.requestContext.messageId).toEqual(expect.any(String));
  });

  it('rejects the handshake with the status $connect returns, and echoes a subprotocol only when set', async () => {
    await expect(connect(edgeA, '?deny=401')).rejects.toThrow('status 401');
    await expect(connect(edgeA, '?deny=403')).rejects.toThrow('status 403');
    // $connect chose none, so none is echoed; a client that insists on one gives up (as browsers do).
    await expect(connect(edgeA, '', { protocols: ['chat.v1'] })).rejects.toThrow(
      'Server sent no subprotocol',
    );
    const plain = await connect(edgeA);
    expect(plain.protocol()).toBe('');
    const chosen = await connect(edgeA, '?protocol=chat.v2', { protocols: ['chat.v1', 'chat.v2'] });
    expect(chosen.protocol()).toBe('chat.v2');
  });

  it('answers Forbidden with the connection and request ids when no route matches and there is no $default', async () => {
    const strict = await TestClient.connect(stack.url(edgeA, 'strict'));
    clients.push(strict);
    strict.send({ action: 'other' });
    const reply = JSON.parse(await strict.next()) as Record<string, string>;
    expect(reply.message).toBe('Forbidden');
    expect(reply.connectionId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(reply.requestId).toEqual(expect.any(String));
  });

  it('refuses origins outside the allowlist', async () => {
    await expect(
      TestClient.connect(stack.url(edgeB, 'strict'), {
        headers: { Origin: 'https://evil.example' },
      }),
    ).rejects.toThrow('status 403');
    const good = await TestClient.connect(stack.url(edgeB, 'strict'), {
      headers: { Origin: 'https://good.example' },
    });
    clients.push(good);
    expect(good.ws.readyState).toBe(good.ws.OPEN);
  });

  it('posts, describes and deletes a connection held by edge A through the AWS SDK on edge B', async () => {
    const c = await connect(edgeA, '', { headers: { 'User-Agent': 'e2e-agent' } });
    const id = stack.connectionIdOf();
    const client = sdk(edgeB);
    await client.send(
      new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('{"n":1}') }),
    );
    expect(await c.next()).toBe('{"n":1}');

    const info = await client.send(new GetConnectionCommand({ ConnectionId: id }));
    expect(info.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'e2e-agent' });
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(Math.abs(info.ConnectedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(info.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(info.ConnectedAt!.getTime());

    const big = Buffer.alloc(128 * 1024 + 1, 'x');
    await expect(
      client.send(new PostToConnectionCommand({ ConnectionId: id, Data: big })),
    ).rejects.toBeInstanceOf(PayloadTooLargeException);

    await client.send(new DeleteConnectionCommand({ ConnectionId: id }));
    expect(await c.closed).toBe(1000);
    await eventually(() => expect(stack.disconnects(id)).toHaveLength(1));
    await expect(
      client.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('late') })),
    ).rejects.toBeInstanceOf(GoneException);
    await expect(
      client.send(new GetConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAAA' })),
    ).rejects.toBeInstanceOf(GoneException);
  });

  it('scopes @connections to the API and stage that own the connection', async () => {
    await connect(edgeA);
    const id = stack.connectionIdOf();
    const res = await request(`${stack.endpoint(edgeB, 'strict')}/@connections/${id}`, {
      method: 'POST',
      body: 'x',
    });
    expect(res.statusCode).toBe(410);
    expect(res.headers['x-amzn-errortype']).toBe('GoneException');
    await res.body.dump();
  });

  it('publishes to a channel across edges and lists presence by tag', async () => {
    const a = await connect(edgeA, '?room=lobby&tags=blue');
    const b = await connect(edgeB, '?tags=red');
    const idB = stack.connectionIdOf();
    b.send({ action: 'join', room: 'lobby' });
    expect(await b.next()).toBe('joined');
    const outsider = await connect(edgeB);
    const post = async (): Promise<{ status: number; body: unknown }> => {
      const res = await request(`${stack.endpoint(edgeA)}/@channels/lobby`, {
        method: 'POST',
        body: 'hello room',
      });
      return { status: res.statusCode, body: await res.body.json() };
    };
    // Joins are in place when the handshake completes ($connect) and when the route's reply
    // arrives (join): the first publish reaches both, without waiting.
    expect(await post()).toEqual({ status: 200, body: { recipients: 2 } });
    await eventually(() => expect(a.messages).toContain('hello room'));
    await eventually(() => expect(b.messages).toContain('hello room'));
    expect(outsider.messages).toEqual([]);

    const leave = await request(`${stack.endpoint(edgeB)}/@channels/lobby/${idB}`, {
      method: 'DELETE',
    });
    expect(leave.statusCode).toBe(204);
    expect(await post()).toEqual({ status: 200, body: { recipients: 1 } });

    const res = await request(`${stack.endpoint(edgeB)}/@connections?tag=red`);
    const list = (await res.body.json()) as { items: { connectionId: string; tags: string[] }[] };
    expect(list.items.map((i) => i.connectionId)).toEqual([idB]);
    expect(list.items[0]!.tags).toEqual(['red']);
  });

  it('answers 403 for other paths of a WebSocket stage over HTTP, and upgrades below the stage', async () => {
    const res = await request(`${stack.endpoint(edgeA)}/elsewhere`);
    expect(res.statusCode).toBe(403);
    expect(await res.body.json()).toEqual({ message: 'Missing Authentication Token' });
    await expect(TestClient.connect(stack.url(edgeA, 'chat', 'prod', 'below'))).rejects.toThrow(
      'status 403',
    );
    await expect(TestClient.connect(stack.url(edgeA, 'nosuch'))).rejects.toThrow('status 403');
  });
});

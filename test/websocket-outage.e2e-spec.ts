import type { RunningService } from '@portico/platform';
import { request } from 'undici';
import { TestClient } from './support/websocket-fixtures';
import { WebSocketStack } from './support/websocket-stack';

/**
 * The connections service gone: handshakes are refused with 500 (a connection nobody can post
 * to is not accepted), @connections answers 503 at once (NATS no-responders), and sockets
 * already open keep routing their messages, which need no registry.
 */
describe('WebSocket APIs with the connections service down', () => {
  let stack: WebSocketStack;
  let edge: RunningService;
  let open: TestClient;

  beforeAll(async () => {
    stack = await WebSocketStack.start(1);
    edge = await stack.startEdge();
    open = await TestClient.connect(stack.url(edge));
    await stack.replicas[0]!.close();
  });

  afterAll(async () => {
    open?.ws.terminate();
    await stack?.close();
  });

  it('refuses new handshakes with 500 after running $connect', async () => {
    const connects = stack.events.filter((e) => e.requestContext.eventType === 'CONNECT').length;
    await expect(TestClient.connect(stack.url(edge))).rejects.toThrow('status 500');
    expect(stack.events.filter((e) => e.requestContext.eventType === 'CONNECT')).toHaveLength(
      connects + 1,
    );
  });

  it('answers @connections and channel calls with 503', async () => {
    const id = stack.connectionIdOf();
    for (const [path, method] of [
      [`/@connections/${id}`, 'POST'],
      [`/@connections/${id}`, 'GET'],
      ['/@connections', 'GET'],
      ['/@channels/lobby', 'POST'],
    ] as const) {
      const res = await request(`${stack.endpoint(edge)}${path}`, {
        method,
        body: method === 'POST' ? 'x' : undefined,
      });
      expect({
        path,
        method,
        status: res.statusCode,
        type: res.headers['x-amzn-errortype'],
      }).toEqual({
        path,
        method,
        status: 503,
        type: 'ServiceUnavailableException',
      });
      await res.body.dump();
    }
  });

  it('keeps routing messages on sockets already open', async () => {
    open.send({ action: 'echo', n: 7 });
    expect(JSON.parse(await open.next())).toMatchObject({ routeKey: 'echo', echo: { n: 7 } });
  });
});

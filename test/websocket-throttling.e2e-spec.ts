import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { RunningService, ServiceHandle } from '@portico/platform';
import { eventually } from '@portico/testing';
import { request } from 'undici';
import { WebSocket } from 'ws';
import { startTestRatelimit } from './support/services';
import { deployWebSocketApi, TestClient } from './support/websocket-fixtures';
import { WebSocketStack } from './support/websocket-stack';

/** A rate so low that no bucket refills while the suite runs: the counts are exact. */
const SLOW = '0.001';

interface Handshake {
  status: number;
  retryAfter?: string;
  body: string;
}

/**
 * WebSocket throttling on real NATS, Redis and the ratelimit service: new connections per second
 * per API shared by every edge (`connect:{apiId}`), every message under the account's bucket
 * (an error frame when refused, the connection kept), each connection's own message rate, and
 * the failure modes with the ratelimit service gone.
 */
describe('WebSocket throttling', () => {
  let stack: WebSocketStack;
  let ratelimit: ServiceHandle | undefined;
  let edgeA: RunningService;
  let edgeB: RunningService;
  let perConnectionEdge: RunningService;
  let accountEdge: RunningService;
  let openEdge: RunningService;
  let closedEdge: RunningService;
  const clients: TestClient[] = [];

  const connect = async (edge: RunningService, apiId = 'chat'): Promise<TestClient> => {
    const c = await TestClient.connect(stack.url(edge, apiId));
    clients.push(c);
    return c;
  };

  /** A handshake's answer: 101, or the status, Retry-After and body of a refusal. */
  const handshake = (edge: RunningService, apiId: string): Promise<Handshake> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(stack.url(edge, apiId));
      ws.once('open', () => {
        ws.close();
        resolve({ status: 101, body: '' });
      });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter, body });
          ws.terminate();
        });
      });
      ws.once('error', (err) => {
        if (!err.message.startsWith('Unexpected server response')) reject(err);
      });
    });

  const connects = (): number =>
    stack.events.filter((e) => e.requestContext.eventType === 'CONNECT').length;

  const messagesCounted = async (edge: RunningService, outcome: string): Promise<number> => {
    const text = await (await request(`http://127.0.0.1:${edge.opsPort}/metrics`)).body.text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('portico_websocket_messages_total{') && l.includes(`outcome="${outcome}"`),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  };

  /** Sends `n` echo messages at once and waits for `n` answers, echoes or error frames. */
  const echoes = async (c: TestClient, n: number): Promise<Record<string, unknown>[]> => {
    for (let i = 0; i < n; i++) c.send({ action: 'echo', n: i });
    const answers: Record<string, unknown>[] = [];
    for (let i = 0; i < n; i++) answers.push(JSON.parse(await c.next()) as Record<string, unknown>);
    return answers;
  };

  const throttledFrames = (answers: Record<string, unknown>[]) =>
    answers.filter((a) => a.message === 'Too Many Requests');

  beforeAll(async () => {
    stack = await WebSocketStack.start(1);
    ratelimit = await startTestRatelimit(stack.infra);
    // A bucket of 1 that does not refill while the suite runs; $connect records each handshake.
    await deployWebSocketApi(stack.store, {
      id: 'gated',
      routes: {
        $connect: { integration: { type: 'AWS_PROXY', uri: 'chat' } },
        echo: { integration: { type: 'AWS_PROXY', uri: 'chat' }, twoWay: true },
      },
      maxConnectionsPerSecond: Number(SLOW),
    });
    // Counts must be exact: a busy machine must not make a decision time out (and admit).
    const exact = { THROTTLE_TIMEOUT_MS: '5000' };
    edgeA = await stack.startEdge(exact);
    edgeB = await stack.startEdge(exact);
    perConnectionEdge = await stack.startEdge({
      ...exact,
      WS_MESSAGE_RATE_PER_CONNECTION: SLOW,
      WS_MESSAGE_BURST_PER_CONNECTION: '3',
    });
    accountEdge = await stack.startEdge({
      ...exact,
      THROTTLE_ACCOUNT_RATE: SLOW,
      THROTTLE_ACCOUNT_BURST: '3',
    });
    const failing = { THROTTLE_TIMEOUT_MS: '200' };
    openEdge = await stack.startEdge({ ...failing, THROTTLE_FAILURE_MODE: 'open' });
    closedEdge = await stack.startEdge({ ...failing, THROTTLE_FAILURE_MODE: 'closed' });
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await ratelimit?.close();
    await stack?.close();
  });

  it("shares an API's new connections per second across edges; refused handshakes never reach $connect", async () => {
    const before = connects();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => handshake(i % 2 === 0 ? edgeA : edgeB, 'gated')),
    );
    // One token across both edges: a limit per edge would have let one through on each.
    expect(answers.filter((a) => a.status === 101)).toHaveLength(1);
    const refused = answers.filter((a) => a.status !== 101);
    expect(refused).toHaveLength(11);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(JSON.parse(r.body)).toEqual({ message: 'Too Many Requests' });
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    await eventually(async () => expect(connects()).toBe(before + 1));
    // An API without a limit is not held back by another's bucket.
    expect((await handshake(edgeB, 'chat')).status).toBe(101);
  });

  it("limits each connection's own message rate; over it an error frame, the connection kept", async () => {
    const noisy = await connect(perConnectionEdge);
    const quiet = await connect(perConnectionEdge);
    const answers = await echoes(noisy, 5);
    expect(answers.filter((a) => a.echo !== undefined)).toHaveLength(3);
    const frames = throttledFrames(answers);
    expect(frames).toHaveLength(2);
    for (const f of frames) {
      expect(f).toEqual({
        message: 'Too Many Requests',
        connectionId: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
        requestId: expect.any(String),
      });
    }
    expect(new Set(frames.map((f) => f.requestId)).size).toBe(2);
    // Another connection's allowance is its own.
    expect((await echoes(quiet, 1))[0]).toMatchObject({ echo: { action: 'echo' } });
    expect(await messagesCounted(perConnectionEdge, 'connection_throttled')).toBe(2);
    // Still open and still read: a further message is answered (refused again), a post arrives.
    expect(throttledFrames(await echoes(noisy, 1))).toHaveLength(1);
    expect(noisy.ws.readyState).toBe(WebSocket.OPEN);
    const id = frames[0]!.connectionId as string;
    const sdk = new ApiGatewayManagementApiClient({
      endpoint: stack.endpoint(perConnectionEdge),
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    await sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('still') }));
    sdk.destroy();
    expect(await noisy.next()).toBe('still');
  });

  it("puts every routed message under the account's bucket, shared through the ratelimit service", async () => {
    const a = await connect(accountEdge);
    const b = await connect(accountEdge);
    const first = await echoes(a, 2);
    const second = await echoes(b, 3);
    const all = [...first, ...second];
    expect(all.filter((m) => m.echo !== undefined)).toHaveLength(3);
    expect(throttledFrames(all)).toHaveLength(2);
    expect(await messagesCounted(accountEdge, 'throttled')).toBe(2);
    expect(await messagesCounted(accountEdge, 'routed')).toBe(3);
    expect(a.ws.readyState).toBe(WebSocket.OPEN);
    expect(b.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('with the ratelimit service stopped, admits handshakes and messages in open mode; refuses them in closed mode', async () => {
    const openClient = await connect(openEdge);
    const closedClient = await connect(closedEdge);
    await ratelimit?.close();
    ratelimit = undefined;

    // The gated API's bucket is empty, but nobody can say so: open admits.
    expect((await handshake(openEdge, 'gated')).status).toBe(101);
    expect((await echoes(openClient, 1))[0]).toMatchObject({ echo: { action: 'echo' } });

    const refused = await handshake(closedEdge, 'gated');
    expect(refused).toEqual({
      status: 503,
      retryAfter: '1',
      body: JSON.stringify({ message: 'Service Unavailable' }),
    });
    const [frame] = await echoes(closedClient, 1);
    expect(frame).toEqual({
      message: 'Service Unavailable',
      connectionId: expect.any(String),
      requestId: expect.any(String),
    });
    expect(closedClient.ws.readyState).toBe(WebSocket.OPEN);
    expect(await messagesCounted(closedEdge, 'throttle_unavailable')).toBe(1);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, eventually, waitForPort } from '@portico/testing';
import type { RunningService } from '@portico/platform';
import { request } from 'undici';
import { WebSocket } from 'ws';
import { TestClient } from './support/websocket-fixtures';
import { WebSocketStack } from './support/websocket-stack';

/**
 * Every way a WebSocket connection ends: `$disconnect` exactly once for each, the registry
 * clean afterwards (410 on a post), the size and UTF-8 limits, an edge killed outright, and an
 * edge drained by SIGTERM.
 */
describe('WebSocket connection lifecycle', () => {
  let stack: WebSocketStack;
  let edge: RunningService;
  let shortLived: RunningService;
  const clients: TestClient[] = [];

  const open = async (
    on: RunningService,
    query = '',
  ): Promise<{ client: TestClient; id: string }> => {
    const client = await TestClient.connect(stack.url(on, 'chat', 'prod', query));
    clients.push(client);
    return { client, id: stack.connectionIdOf() };
  };
  const post = async (on: { port: number }, id: string, body = 'x'): Promise<number> => {
    const res = await request(`${stack.endpoint(on)}/@connections/${id}`, { method: 'POST', body });
    await res.body.dump();
    return res.statusCode;
  };
  const disconnectedOnce = async (id: string, code: number): Promise<void> => {
    await eventually(() => expect(stack.disconnects(id)).toHaveLength(1));
    expect(stack.disconnects(id)[0]!.requestContext.disconnectStatusCode).toBe(code);
  };

  beforeAll(async () => {
    stack = await WebSocketStack.start(2, { CONNECTIONS_SWEEP_MS: '300' });
    edge = await stack.startEdge({ WS_PING_INTERVAL_MS: '200' });
    shortLived = await stack.startEdge({ WS_IDLE_TIMEOUT_MS: '1000', WS_MAX_DURATION_MS: '2500' });
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await stack?.close();
  });

  it('runs $disconnect once when the client closes, and the connection is gone after', async () => {
    const { client, id } = await open(edge);
    expect(await post(edge, id, 'still here')).toBe(200);
    client.ws.close(4000, 'bye');
    await disconnectedOnce(id, 4000);
    expect(await post(edge, id)).toBe(410);
    await new Promise((r) => setTimeout(r, 300));
    expect(stack.disconnects(id)).toHaveLength(1);
  });

  it('closes an idle connection with 1001 after the idle timeout', async () => {
    const { client, id } = await open(shortLived);
    expect(await client.closed).toBe(1001);
    await disconnectedOnce(id, 1001);
    expect(await post(edge, id)).toBe(410);
  });

  it('closes a busy connection at its maximum duration', async () => {
    const { client, id } = await open(shortLived);
    const started = Date.now();
    const chatter = setInterval(() => client.send({ action: 'nosuch' }), 300);
    const code = await client.closed;
    clearInterval(chatter);
    expect(code).toBe(1001);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    await disconnectedOnce(id, 1001);
  });

  it('drops a peer that stops answering pings', async () => {
    const { client, id } = await open(edge);
    // ws answers pings itself; stopping its socket's reads silences it as a frozen peer.
    (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await disconnectedOnce(id, 1006);
    expect(await post(edge, id)).toBe(410);
  });

  it('closes 1009 for a message over 128 KB or a frame over 32 KB, and 1007 for invalid UTF-8', async () => {
    const big = await open(edge);
    big.client.send('x'.repeat(128 * 1024 + 1));
    expect(await big.client.closed).toBe(1009);
    await disconnectedOnce(big.id, 1009);

    // 40 KB in one frame: under the message limit, over the frame limit.
    const frame = await open(edge);
    frame.client.send(JSON.stringify({ action: 'echo', pad: 'y'.repeat(40 * 1024) }));
    expect(await frame.client.closed).toBe(1009);

    // The same 40 KB in two 20 KB frames is a valid message.
    const split = await open(edge);
    const text = JSON.stringify({ action: 'echo', pad: 'z'.repeat(40 * 1024) });
    split.client.ws.send(text.slice(0, 20 * 1024), { fin: false });
    split.client.ws.send(text.slice(20 * 1024), { fin: true });
    expect(JSON.parse(await split.client.next()).routeKey).toBe('echo');

    const utf8 = await open(edge);
    utf8.client.ws.send(Buffer.from([0xc3, 0x28]), { binary: false });
    expect(await utf8.client.closed).toBe(1007);
  });

  it('forgets the connections of an edge killed with SIGKILL: 410 at once on a post, gone from presence soon after', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(
      process.execPath,
      [join(__dirname, '../apps/edge/dist/main.js')],
      {
        env: {
          ...stack.env({ EDGE_PORT: String(port), EDGE_HEARTBEAT_MS: '200' }),
          PATH: process.env.PATH,
        },
        stdio: 'ignore',
      },
    );
    try {
      await waitForPort(port, 20_000);
      const doomed = { port };
      const first = await TestClient.connect(stack.url(doomed, 'chat', 'prod', '?tags=doomed'));
      const firstId = stack.connectionIdOf();
      await TestClient.connect(stack.url(doomed, 'chat', 'prod', '?tags=doomed'));
      expect(await post(edge, firstId, 'before')).toBe(200);
      expect(await first.next()).toBe('before');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(await post(edge, firstId)).toBe(410);
      await eventually(async () => {
        const res = await request(`${stack.endpoint(edge)}/@connections?tag=doomed`);
        expect(await res.body.json()).toEqual({ items: [] });
      }, 5000);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('drains on shutdown: 503 to new upgrades, close 1001 to open sockets, $disconnect for each, registry clean', async () => {
    const draining = await stack.startEdge();
    const a = await open(draining);
    const b = await open(draining);
    const closing = draining.close();
    const [codeA, codeB] = await Promise.all([a.client.closed, b.client.closed]);
    expect([codeA, codeB]).toEqual([1001, 1001]);
    await closing;
    expect(stack.disconnects(a.id)).toHaveLength(1);
    expect(stack.disconnects(b.id)).toHaveLength(1);
    expect(await post(edge, a.id)).toBe(410);
    const res = await request(`${stack.endpoint(edge)}/@connections`);
    const ids = ((await res.body.json()) as { items: { connectionId: string }[] }).items.map(
      (i) => i.connectionId,
    );
    expect(ids).not.toContain(a.id);
    expect(ids).not.toContain(b.id);
  });

  it('refuses upgrades with 503 while draining', async () => {
    const draining = await stack.startEdge();
    const held = await open(draining);
    // Keep the drain from finishing at once: the client does not answer the close frame.
    (held.client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const closing = draining.close();
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(stack.url(draining));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
      ws.once('error', () => resolve(-1));
    });
    expect(status).toBe(503);
    await closing;
    await disconnectedOnce(held.id, 1001);
  });
});

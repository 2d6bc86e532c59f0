/**
 * docker-compose.yml, proven without Docker: every compose service that runs Portico's code
 * (or the demo's) is started as a local process with its compose command, environment,
 * healthcheck and depends_on order — service host names mapped to loopback, image paths to the
 * repository, ports to free ones — and the demo API is called through the edge. The edge runs
 * as two replicas, as `docker compose up --scale edge=2` runs it, each with its own ports, and so
 * does the WebSocket connections registry (`--scale connections=2`). NATS and Redis come from the
 * test harness; the load balancer is replaced by the edge addresses it proxies to, and the test
 * calls each replica itself — the demo chat WebSocket API included, a socket held by one edge
 * reached through the other.
 *
 * Needs `pnpm build` first (the services run from dist/, as in the image); `pnpm test` builds
 * before it tests.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  GetRestApisCommand,
  GetStageCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeSha256 } from '@portico/iam';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'undici';
import WebSocket from 'ws';
import {
  bindMountsOf,
  type ComposeFile,
  environmentOf,
  readComposeFile,
} from './support/compose-file';
import { localize, scriptsOf, type LocalPlan } from './support/compose-local';
import { startServices, stopServices, type LocalProcess } from './support/local-services';

const repo = join(__dirname, '..');
const STAGE_PATH = '/restapis/demo/prod/_user_request_';
/** Replicas of the edge service, as `--scale edge=2`. */
const EDGE_REPLICAS = 2;
/** Replicas of the connection registry, as `--scale connections=2`. */
const CONNECTIONS_REPLICAS = 2;
/** The demo chat WebSocket API (demo/functions/chat.mjs), path style. */
const CHAT_PATH = '/restapis/chat/prod/_user_request_';

interface HelloBody {
  message: string;
  event: Record<string, unknown> & { stageVariables: Record<string, string> | null };
  context: Record<string, unknown>;
}

jest.setTimeout(120_000);

describe('docker-compose.yml, run as local processes', () => {
  let infra: TestInfra;
  let compose: ComposeFile;
  let plan: LocalPlan;
  let running: Map<string, LocalProcess> | undefined;
  /** Every edge replica's data-plane address, as the lb resolves the name it proxies to. */
  let edges: string[];
  /** The first replica: most tests call one, as a client of the lb reaches one per request. */
  let edge: string;

  /**
   * The AWS SDK client an operator would use: signing with the admin credentials that
   * docker-compose.yml gives control.
   */
  function managementClient(): APIGatewayClient {
    const pair = environmentOf(compose.services.control ?? {}).CONTROL_ADMIN_CREDENTIALS ?? '';
    const [accessKeyId = '', secretAccessKey = ''] = pair.split(',')[0]!.split(':');
    return new APIGatewayClient({
      endpoint: `http://${plan.addresses.get('control:8081')?.[0]}`,
      region: 'us-east-1',
      credentials: { accessKeyId, secretAccessKey },
      maxAttempts: 1,
    });
  }

  async function call(
    path: string,
    init: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> } = {},
    via: string = edge,
  ): Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    text: string;
  }> {
    const res = await request(`http://${via}${path}`, {
      method: init.method ?? 'GET',
      body: init.body,
      headers: init.headers,
    });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  }

  beforeAll(async () => {
    compose = readComposeFile(join(repo, 'docker-compose.yml'));
    infra = await startInfra();
    plan = await localize({
      repo,
      compose,
      natsUrl: infra.natsUrl,
      redisUrl: infra.redisUrl,
      extraEnv: { REDIS_KEY_PREFIX: infra.redisKeyPrefix, LOG_LEVEL: 'info' },
      scale: { edge: EDGE_REPLICAS, connections: CONNECTIONS_REPLICAS },
    });
    for (const service of plan.services) {
      for (const script of scriptsOf(service)) {
        if (!existsSync(script)) {
          throw new Error(
            `${service.name} runs ${script}, which does not exist: run \`pnpm build\` first`,
          );
        }
      }
    }
    // The load balancer's nginx config names the address it proxies to: call the edge there.
    const lb = Object.entries(plan.replaced).find(([, role]) => role === 'lb')?.[0];
    if (!lb) throw new Error('docker-compose.yml has no load balancer in front of the edges');
    const lbConfig = [...bindMountsOf(compose.services[lb] ?? {}, repo).values()]
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const target = /set\s+\$(\w+)\s+http:\/\/([\w.-]+:\d+)\s*;/.exec(lbConfig);
    if (!target || !new RegExp(`proxy_pass\\s+\\$${target[1]}\\s*;`).test(lbConfig)) {
      throw new Error('Cannot find the edge address that the lb config proxies to');
    }
    // Throws when the lb points at a port the edge service does not listen on.
    edges = plan.resolve(target[2] as string);
    edge = edges[0] as string;
    running = await startServices(plan.services, 60_000);
  });

  afterAll(async () => {
    if (running) await stopServices(running, 10_000);
    plan?.dispose();
    await infra?.stop();
  });

  it('runs every service of ours and replaces only NATS, Redis and the load balancer', () => {
    expect(Object.values(plan.replaced).sort()).toEqual(['lb', 'nats', 'redis']);
    expect([...(running?.keys() ?? [])].sort()).toEqual([
      'auth',
      'connections-1',
      'connections-2',
      'control',
      'edge-1',
      'edge-2',
      'fn-chat',
      'fn-hello',
      'ratelimit',
      'upstream',
    ]);
    expect(compose.services.connections?.build).toEqual(
      expect.objectContaining({ args: { APP: 'connections' } }),
    );
    expect(compose.services.edge?.build).toBeDefined();
    // Each was waited for through its compose healthcheck (its /readyz), not a log line.
    for (const service of plan.services) {
      expect({ [service.name]: service.healthcheck?.join(' ') }).toEqual({
        [service.name]: expect.stringMatching(/\/readyz|\/health/),
      });
    }
  });

  it('lets the edge scale: no fixed container name or host port, a port of its own per replica', () => {
    const service = compose.services.edge ?? {};
    // Either would make a second replica collide with the first under `--scale edge=2`.
    expect(service.container_name).toBeUndefined();
    expect(service.ports).toBeUndefined();
    expect(edges).toHaveLength(EDGE_REPLICAS);
    expect(new Set(edges).size).toBe(EDGE_REPLICAS);
    for (const address of edges) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(new Set(plan.addresses.get('edge:9080')).size).toBe(EDGE_REPLICAS);
  });

  it('proxies /pets to the demo upstream through the stage variable (http_proxy)', async () => {
    const res = await call(`${STAGE_PATH}/pets`);
    expect(res.status).toBe(200);
    expect(res.headers['x-demo-upstream']).toBe('pets');
    expect(res.headers['x-amzn-requestid']).toEqual(expect.any(String));
    const pets = JSON.parse(res.text) as Array<{ name: string }>;
    expect(pets.map((p) => p.name)).toEqual(expect.arrayContaining(['Rex', 'Tom', 'Nemo']));
  });

  it('maps the {id} path parameter into the backend URI, host-based invocation too', async () => {
    const res = await call('/prod/pets/2', {
      headers: { host: `demo.execute-api.localhost:${edge.split(':')[1]}` },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ id: 2, name: 'Tom' });
  });

  it('serves the custom domain of the config file under its base path', async () => {
    const res = await call('/v1/pets/1', {
      headers: { host: `pets.localhost:${edge.split(':')[1]}` },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ id: 1, name: 'Rex' });
  });

  it('forwards a POST body to the upstream', async () => {
    const res = await call(`${STAGE_PATH}/pets`, {
      method: 'POST',
      body: JSON.stringify({ name: 'Compose', type: 'whale' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.text)).toMatchObject({
      name: 'Compose',
      type: 'whale',
      id: expect.any(Number),
    });
  });

  it('sends the greedy {proxy+} route to the upstream path', async () => {
    const res = await call(`${STAGE_PATH}/upstream/echo/deep/path?q=1`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({
      method: 'GET',
      path: '/echo/deep/path',
      query: { q: '1' },
    });
  });

  it('invokes the demo Lambda handler through the function runner (aws_proxy)', async () => {
    const res = await call(`${STAGE_PATH}/hello/compose?greeting=hi`);
    expect(res.status).toBe(200);
    expect(res.headers['x-demo-function']).toBe('hello');
    const body = JSON.parse(res.text) as HelloBody;
    expect(body.message).toBe('Hello, compose!');
    expect(body.event).toMatchObject({
      resource: '/hello/{name}',
      path: '/hello/compose',
      httpMethod: 'GET',
      pathParameters: { name: 'compose' },
      queryStringParameters: { greeting: 'hi' },
      stage: 'prod',
    });
    expect(body.context).toMatchObject({ functionName: 'hello' });

    // The runner's ops port, as its compose healthcheck and a Prometheus scrape reach it.
    const ops = plan.addresses.get('fn-hello:9090')?.[0];
    expect(ops).toBeDefined();
    expect((await request(`http://${ops}/readyz`)).statusCode).toBe(200);
    const metrics = await (await request(`http://${ops}/metrics`)).body.text();
    expect(metrics).toMatch(
      /^portico_function_invocations_total\{[^}]*function="hello"[^}]*outcome="ok"[^}]*\} [1-9]/m,
    );
  });

  it('serves the same stage from both edge replicas, and a stage change reaches both live', async () => {
    const hello = async (via: string): Promise<HelloBody> => {
      const res = await call(`${STAGE_PATH}/hello/replica`, {}, via);
      expect(res.status).toBe(200);
      return JSON.parse(res.text) as HelloBody;
    };
    for (const via of edges) {
      const pets = await call(`${STAGE_PATH}/pets/1`, {}, via);
      expect(pets.status).toBe(200);
      expect(JSON.parse(pets.text)).toMatchObject({ id: 1, name: 'Rex' });
      expect((await hello(via)).event.stageVariables).not.toHaveProperty('release');
    }

    // UpdateStage through the management API, with the AWS SDK as an operator would.
    const sdk = managementClient();
    const release = `r-${randomUUID().slice(0, 8)}`;
    try {
      await sdk.send(
        new UpdateStageCommand({
          restApiId: 'demo',
          stageName: 'prod',
          patchOperations: [{ op: 'replace', path: '/variables/release', value: release }],
        }),
      );
      const stage = await sdk.send(new GetStageCommand({ restApiId: 'demo', stageName: 'prod' }));
      expect(stage.variables).toMatchObject({ release, upstream: expect.any(String) });
    } finally {
      sdk.destroy();
    }

    // Each running replica picks the change up from NATS; neither restarts.
    for (const via of edges) {
      await eventually(async () =>
        expect((await hello(via)).event.stageVariables).toMatchObject({ release }),
      );
      // The variable the HTTP routes use is untouched.
      expect((await call(`${STAGE_PATH}/pets/2`, {}, via)).status).toBe(200);
    }
    for (const name of ['edge-1', 'edge-2']) expect(running?.get(name)?.running).toBe(true);
  });

  it('lets the connection registry scale too: no fixed name or port, an ops port per replica', () => {
    const service = compose.services.connections ?? {};
    expect(service.container_name).toBeUndefined();
    expect(service.ports).toBeUndefined();
    expect(new Set(plan.addresses.get('connections:9083')).size).toBe(CONNECTIONS_REPLICAS);
    // The edges wait for it: a WebSocket connect registers the connection there.
    expect(compose.services.edge?.depends_on).toMatchObject({
      connections: { condition: 'service_healthy' },
    });
  });

  it('serves the demo chat WebSocket API: route responses, channels and @connections across both edges', async () => {
    const [edge1, edge2] = edges as [string, string];
    const alice = await ChatClient.open(`ws://${edge1}${CHAT_PATH}/?name=alice&room=kitchen`);
    const bob = await ChatClient.open(`ws://${edge2}${CHAT_PATH}/`);
    try {
      // A route with a route response: demo/functions/chat.mjs answers on the socket.
      alice.send({ action: 'send', text: 'hi' });
      const echo = JSON.parse(await alice.next()) as Record<string, string>;
      expect(echo).toEqual({ 'you said': 'hi', connectionId: expect.any(String) });
      const aliceId = echo.connectionId as string;
      bob.send('not json');
      expect(await bob.next()).toMatch(/^Send \{"action":"send"/); // $default: the help text

      // $connect joined both to `lobby`: a publish through edge 2 reaches the socket on edge 1,
      // and the one on edge 2, through the connections service.
      await eventually(async () => {
        const res = await call(
          `${CHAT_PATH}/@channels/lobby`,
          { method: 'POST', body: 'hello everyone' },
          edge2,
        );
        expect(res.status).toBe(200);
        expect(JSON.parse(res.text)).toEqual({ recipients: 2 });
      });
      expect(await alice.next()).toBe('hello everyone');
      expect(await bob.next()).toBe('hello everyone');

      // `join` answers and joins the room (X-Portico-Join): a publish to it reaches bob only.
      bob.send({ action: 'join', room: 'attic' });
      expect(await bob.next()).toBe('joined attic');
      const attic = await call(
        `${CHAT_PATH}/@channels/attic`,
        { method: 'POST', body: 'upstairs' },
        edge1,
      );
      expect(JSON.parse(attic.text)).toEqual({ recipients: 1 });
      expect(await bob.next()).toBe('upstairs');

      // Presence through edge 2: ?room= became alice's tag on $connect.
      const presence = await call(`${CHAT_PATH}/@connections?tag=room:kitchen`, {}, edge2);
      expect(presence.status).toBe(200);
      const items = (JSON.parse(presence.text) as { items: Array<{ connectionId: string }> }).items;
      expect(items.map((c) => c.connectionId)).toEqual([aliceId]);

      // PostToConnection with the AWS SDK, as the README shows, through the edge without the socket.
      const sdk = new ApiGatewayManagementApiClient({
        endpoint: `http://${edge2}${CHAT_PATH}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      try {
        await sdk.send(new PostToConnectionCommand({ ConnectionId: aliceId, Data: 'psst, alice' }));
        expect(await alice.next()).toBe('psst, alice');
        await alice.close();
        // Gone once the socket is closed, whichever edge is asked.
        await eventually(async () => {
          await expect(
            sdk.send(new PostToConnectionCommand({ ConnectionId: aliceId, Data: 'still there?' })),
          ).rejects.toBeInstanceOf(GoneException);
        });
      } finally {
        sdk.destroy();
      }
      expect(alice.received).toEqual([]); // nothing unexpected arrived

      // DeleteConnection through edge 1 closes bob's socket on edge 2.
      bob.send({ action: 'send', text: 'who am I?' });
      const bobId = (JSON.parse(await bob.next()) as { connectionId: string }).connectionId;
      const closed = bob.closed();
      const deleted = await request(`http://${edge1}${CHAT_PATH}/@connections/${bobId}`, {
        method: 'DELETE',
      });
      await deleted.body.dump();
      expect(deleted.statusCode).toBe(204);
      await closed;
      expect(bob.received).toEqual([]);
    } finally {
      await alice.close();
      await bob.close();
    }

    // The chat runner invoked the handler for every route above, $connect and $disconnect too.
    const ops = plan.addresses.get('fn-chat:9090')?.[0];
    const metrics = await (await request(`http://${ops}/metrics`)).body.text();
    expect(metrics).toMatch(
      /^portico_function_invocations_total\{[^}]*function="chat"[^}]*outcome="ok"[^}]*\} ([6-9]|\d\d)/m,
    );
  });

  it('answers the mock /health route from the gateway itself', async () => {
    const res = await call(`${STAGE_PATH}/health`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ status: 'ok', stage: 'prod' });
  });

  it("answers an unknown route with the demo API's gateway response override", async () => {
    const res = await call(`${STAGE_PATH}/no/such/route`);
    expect(res.status).toBe(404);
    expect(res.headers['x-demo-gateway-response']).toBe('MISSING_AUTHENTICATION_TOKEN');
    expect(JSON.parse(res.text)).toMatchObject({
      message: expect.stringContaining('No such route'),
    });
  });

  it("guards the demo's /private/pets with the config file's demo key, in its usage plan", async () => {
    const denied = await call(`${STAGE_PATH}/private/pets`);
    expect({ status: denied.status, body: denied.text }).toEqual({
      status: 403,
      body: '{"message":"Forbidden"}',
    });
    for (const via of edges) {
      // The file's keys and plans go to the auth service after the APIs deploy (retried).
      await eventually(async () => {
        const res = await call(
          `${STAGE_PATH}/private/pets`,
          { headers: { 'x-api-key': 'demo-api-key-not-for-production-0001' } },
          via,
        );
        expect(res.status).toBe(200);
        expect(JSON.parse(res.text)).toEqual(
          expect.arrayContaining([expect.objectContaining({ id: 1 })]),
        );
      });
    }
  });

  it('admits a key made through the management API once a usage plan of its own covers the stage', async () => {
    const sdk = managementClient();
    try {
      const key = await sdk.send(new CreateApiKeyCommand({ name: 'compose', enabled: true }));
      const headers = { 'x-api-key': key.value ?? '' };
      // As on API Gateway, an enabled key in no usage plan covering the stage is refused.
      const outside = await call(`${STAGE_PATH}/private/pets`, { headers });
      expect({ status: outside.status, body: outside.text }).toEqual({
        status: 403,
        body: '{"message":"Forbidden"}',
      });
      const plan = await sdk.send(
        new CreateUsagePlanCommand({
          name: 'compose',
          apiStages: [{ apiId: 'demo', stage: 'prod' }],
        }),
      );
      await sdk.send(
        new CreateUsagePlanKeyCommand({
          usagePlanId: plan.id,
          keyId: key.id,
          keyType: 'API_KEY',
        }),
      );
      for (const via of edges) {
        // Each edge reloads the plans on control's change event.
        await eventually(async () => {
          const res = await call(`${STAGE_PATH}/private/pets`, { headers }, via);
          expect(res.status).toBe(200);
          expect(JSON.parse(res.text)).toEqual(
            expect.arrayContaining([expect.objectContaining({ id: 1 })]),
          );
        });
      }
    } finally {
      sdk.destroy();
    }
  });

  it("admits requests to the demo's AWS_IAM method signed with the config file's credential", async () => {
    const [host = '', port = '80'] = edge.split(':');
    const sign = (secretAccessKey: string) =>
      new SignatureV4({
        credentials: { accessKeyId: 'PKIADEMO000000000001', secretAccessKey },
        region: 'us-east-1',
        service: 'execute-api',
        sha256: NodeSha256,
      }).sign({
        method: 'GET',
        protocol: 'http:',
        hostname: host,
        port: Number(port),
        path: `${STAGE_PATH}/signed/pets`,
        headers: { host: edge },
      });
    expect((await call(`${STAGE_PATH}/signed/pets`)).status).toBe(404);
    const wrong = await call(`${STAGE_PATH}/signed/pets`, {
      headers: (await sign('wrong-secret')).headers as Record<string, string>,
    });
    expect(wrong.status).toBe(403);
    await eventually(async () => {
      const res = await call(`${STAGE_PATH}/signed/pets`, {
        headers: (await sign('demo-secret-not-for-production')).headers as Record<string, string>,
      });
      expect(res.status).toBe(200);
    });
  });

  it('serves the management API on the published control port', async () => {
    const control = plan.addresses.get('control:8081')?.[0];
    expect(control).toBeDefined();
    const sdk = managementClient();
    const apis = await sdk.send(new GetRestApisCommand({})).finally(() => sdk.destroy());
    expect(apis.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'demo', name: 'Demo API' })]),
    );
    // Listening beyond loopback, it takes signed requests only.
    const unsigned = await request(`http://${control}/restapis`);
    expect(unsigned.statusCode).toBe(403);
    expect(unsigned.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    await unsigned.body.dump();
  });

  it('stops every service cleanly on SIGTERM, as `docker compose stop` does', async () => {
    const results = await stopServices(running ?? new Map(), 25_000);
    running = undefined;
    expect(results).toEqual({
      'edge-1': { code: 0, signal: null },
      'edge-2': { code: 0, signal: null },
      'connections-1': { code: 0, signal: null },
      auth: { code: 0, signal: null },
      'connections-2': { code: 0, signal: null },
      control: { code: 0, signal: null },
      'fn-hello': { code: 0, signal: null },
      'fn-chat': { code: 0, signal: null },
      ratelimit: { code: 0, signal: null },
      upstream: { code: 0, signal: null },
    });
  });
});

/** A WebSocket client that queues what it receives, for `await next()`. */
class ChatClient {
  /** Messages received and not yet taken by next(). */
  readonly received: string[] = [];
  private waiter?: (message: string) => void;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (this.waiter) {
        const waiter = this.waiter;
        this.waiter = undefined;
        waiter(text);
      } else {
        this.received.push(text);
      }
    });
  }

  static open(url: string): Promise<ChatClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new ChatClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`${url}: handshake answered ${res.statusCode}`)),
      );
    });
  }

  send(message: string | Record<string, unknown>): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message, or a rejection after `timeoutMs`. */
  next(timeoutMs = 5_000): Promise<string> {
    const queued = this.received.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
    });
  }

  /** Resolves when the server (or this side) closes the socket. */
  closed(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.ws.once('close', () => resolve()));
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateDeploymentCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  ImportRestApiCommand,
  UpdateStageCommand,
  UpdateUsagePlanCommand,
} from '@aws-sdk/client-api-gateway';
import type { RunningService, ServiceHandle } from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { request } from 'undici';
import { WebSocket } from 'ws';
import {
  managementClient,
  startTestAuth,
  startTestControl,
  startTestEdge,
  startTestRatelimit,
} from './support/services';
import { deployWebSocketApi, TestClient } from './support/websocket-fixtures';
import { WebSocketStack } from './support/websocket-stack';
import { MOCK_200 } from './support/openapi-fixtures';

const API = `
openapi: 3.0.1
info: { title: Metered pets, version: '1' }
paths:
  /pets:
    get:
      security: [{ api_key: [] }]${MOCK_200}
  /toys:
    get:
      security: [{ api_key: [] }]${MOCK_200}
  /closed:
    get:
      security: [{ api_key: [] }]${MOCK_200}
components:
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
`;

/** A rate so low that no bucket refills while a test runs: the counts are exact. */
const SLOW = 0.001;

interface Answer {
  status: number;
  body: string;
  retryAfter?: string;
  limit?: string;
  remaining?: string;
  reset?: string;
}

/** Seconds from now to the next UTC midnight: when a DAY quota's period ends. */
const secondsToMidnight = (): number => {
  const now = Date.now();
  return ((Math.floor(now / 864e5) + 1) * 864e5) / 1000 - now / 1000;
};

/**
 * Usage plans enforced by the edges, decided by the real ratelimit service on real NATS and
 * Redis: every API key has its own bucket in its plan, a plan's method throttle applies on top of
 * it, a quota admits exactly its limit less the offset in its initial period across edges and
 * then answers 429 Limit Exceeded until the period ends, a plan change reaches every edge, and
 * the optional X-RateLimit-* headers say what is left.
 */
describe('usage plans on the edge', () => {
  let infra: TestInfra;
  let control: RunningService;
  let auth: ServiceHandle;
  let ratelimit: ServiceHandle;
  let sdk: APIGatewayClient;
  let apiId: string;
  const edges: RunningService[] = [];

  beforeAll(async () => {
    infra = await startInfra();
    auth = await startTestAuth(infra);
    control = await startTestControl(infra);
    ratelimit = await startTestRatelimit(infra);
    sdk = managementClient(control);
    apiId = (await sdk.send(new ImportRestApiCommand({ body: Buffer.from(API) }))).id!;
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
    // Throttled to 0: answers 429 to a key its plan holds (403 before) and takes nothing.
    await sdk.send(
      new UpdateStageCommand({
        restApiId: apiId,
        stageName: 'prod',
        patchOperations: [
          { op: 'replace', path: '/~1closed/GET/throttling/rateLimit', value: '0' },
          { op: 'replace', path: '/~1closed/GET/throttling/burstLimit', value: '0' },
        ],
      }),
    );
    const env = { THROTTLE_TIMEOUT_MS: '5000', THROTTLE_RATELIMIT_HEADERS: 'true' };
    for (let i = 0; i < 3; i++) edges.push(await startTestEdge(infra, env));
  });

  afterAll(async () => {
    sdk?.destroy();
    await Promise.allSettled([...edges, control].filter(Boolean).map((s) => s.close()));
    await Promise.allSettled([auth, ratelimit].filter(Boolean).map((s) => s.close()));
    await infra?.stop();
  });

  async function call(edge: RunningService, path: string, key: string): Promise<Answer> {
    const res = await request(
      `http://127.0.0.1:${edge.port}/restapis/${apiId}/prod/_user_request_${path}`,
      { headers: { 'x-api-key': key } },
    );
    const header = (name: string) => res.headers[name] as string | undefined;
    return {
      status: res.statusCode,
      body: await res.body.text(),
      retryAfter: header('retry-after'),
      limit: header('x-ratelimit-limit'),
      remaining: header('x-ratelimit-remaining'),
      reset: header('x-ratelimit-reset'),
    };
  }

  /** A plan on the suite's API stage, with `n` enabled keys in it; their values. */
  async function planWithKeys(
    name: string,
    plan: Omit<ConstructorParameters<typeof CreateUsagePlanCommand>[0], 'name'>,
    n: number,
  ): Promise<{ planId: string; keys: string[] }> {
    const created = await sdk.send(
      new CreateUsagePlanCommand({ name, apiStages: [{ apiId, stage: 'prod' }], ...plan }),
    );
    const keys: string[] = [];
    for (let i = 0; i < n; i++) {
      const key = await sdk.send(new CreateApiKeyCommand({ name: `${name}-${i}`, enabled: true }));
      await sdk.send(
        new CreateUsagePlanKeyCommand({
          usagePlanId: created.id,
          keyId: key.id,
          keyType: 'API_KEY',
        }),
      );
      keys.push(key.value!);
    }
    // Every edge has the plan once /closed refuses its keys as throttled, not as unknown.
    for (const edge of edges) {
      for (const key of keys) {
        await eventually(async () => expect((await call(edge, '/closed', key)).status).toBe(429));
      }
    }
    return { planId: created.id!, keys };
  }

  /** Sends `n` requests at once, spread over the three edges. */
  const burst = (path: string, key: string, n: number): Promise<Answer[]> =>
    Promise.all(Array.from({ length: n }, (_, i) => call(edges[i % 3]!, path, key)));

  const admitted = (answers: Answer[]) => answers.filter((a) => a.status === 200).length;

  it('gives every key of a plan its own bucket, shared by the edges', async () => {
    const { keys } = await planWithKeys(
      'per-key',
      { throttle: { rateLimit: SLOW, burstLimit: 4 } },
      2,
    );
    const [a, b] = [await burst('/pets', keys[0]!, 10), await burst('/pets', keys[1]!, 10)];
    expect(admitted(a)).toBe(4);
    expect(admitted(b)).toBe(4);
    for (const refused of [...a, ...b].filter((x) => x.status !== 200)) {
      expect(refused).toMatchObject({ status: 429, body: '{"message":"Too Many Requests"}' });
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // The plan's bucket is the key's across the plan's methods: /toys finds it empty.
    expect((await call(edges[0]!, '/toys', keys[0]!)).status).toBe(429);
  });

  it("adds a plan's method throttle to the key's bucket", async () => {
    const { keys } = await planWithKeys(
      'per-method',
      {
        throttle: { rateLimit: SLOW, burstLimit: 6 },
        apiStages: [
          { apiId, stage: 'prod', throttle: { '/pets/GET': { rateLimit: SLOW, burstLimit: 2 } } },
        ],
      },
      1,
    );
    const key = keys[0]!;
    expect(admitted(await burst('/pets', key, 5))).toBe(2);
    // /toys is under the key's bucket only, which the refused /pets requests did not touch.
    expect(admitted(await burst('/toys', key, 8))).toBe(4);
  });

  it('admits exactly the quota less its offset across edges, then 429 Limit Exceeded until the period ends', async () => {
    const { planId, keys } = await planWithKeys(
      'quota',
      { quota: { limit: 25, offset: 5, period: 'DAY' } },
      1,
    );
    const key = keys[0]!;
    let ok = admitted(await burst('/pets', key, 30));
    // Units an edge leased and did not spend come back within a lease's lifetime: ask again.
    await eventually(async () => {
      ok += admitted(await burst('/pets', key, 3));
      expect(ok).toBe(20);
      const refused = await call(edges[1]!, '/pets', key);
      expect(refused).toMatchObject({ status: 429, body: '{"message":"Limit Exceeded"}' });
    });
    await new Promise((r) => setTimeout(r, 600));
    for (const edge of edges) {
      const refused = await call(edge, '/pets', key);
      expect(refused).toMatchObject({
        status: 429,
        body: '{"message":"Limit Exceeded"}',
        remaining: '0',
      });
      expect(Math.abs(Number(refused.retryAfter) - secondsToMidnight())).toBeLessThan(5);
      expect(refused.limit).toBe('20');
    }
    expect(ok).toBe(20);
    // Raising the limit reaches every edge: 10 more today.
    await sdk.send(
      new UpdateUsagePlanCommand({
        usagePlanId: planId,
        patchOperations: [{ op: 'replace', path: '/quota/limit', value: '35' }],
      }),
    );
    await eventually(async () => {
      ok += admitted(await burst('/pets', key, 4));
      expect(ok).toBe(30);
      expect((await call(edges[2]!, '/pets', key)).limit).toBe('30');
    });
    for (const edge of edges) {
      await eventually(async () => expect((await call(edge, '/pets', key)).status).toBe(429));
    }
    expect(ok).toBe(30);
  });

  it('says what a quota has left in X-RateLimit-* headers', async () => {
    const { keys } = await planWithKeys('headers', { quota: { limit: 1000, period: 'MONTH' } }, 1);
    const first = await call(edges[0]!, '/pets', keys[0]!);
    expect(first.status).toBe(200);
    expect(first.limit).toBe('1000');
    expect(Number(first.remaining)).toBe(999);
    const nextMonth = new Date();
    const ends = Date.UTC(nextMonth.getUTCFullYear(), nextMonth.getUTCMonth() + 1, 1);
    expect(Math.abs(Number(first.reset) - (ends - Date.now()) / 1000)).toBeLessThan(5);
    const second = await call(edges[0]!, '/pets', keys[0]!);
    expect(Number(second.remaining)).toBe(998);
  });
});

/**
 * Usage plans on WebSocket messages: a connection `$connect` admitted with an API key counts
 * every message against the key's quota; over it, an error frame (Limit Exceeded) and the
 * connection kept.
 */
describe('usage plans on WebSocket messages', () => {
  let stack: WebSocketStack;
  let auth: ServiceHandle;
  let control: RunningService;
  let ratelimit: ServiceHandle;
  let edge: RunningService;
  let sdk: APIGatewayClient;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    stack = await WebSocketStack.start(1);
    auth = await startTestAuth(stack.infra);
    control = await startTestControl(stack.infra);
    ratelimit = await startTestRatelimit(stack.infra);
    sdk = managementClient(control);
    await deployWebSocketApi(stack.store, {
      id: 'metered',
      routes: {
        $connect: { integration: { type: 'AWS_PROXY', uri: 'chat' }, apiKeyRequired: true },
        echo: { integration: { type: 'AWS_PROXY', uri: 'chat' }, twoWay: true },
      },
    });
    edge = await stack.startEdge({ THROTTLE_TIMEOUT_MS: '5000' });
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    sdk?.destroy();
    await control?.close();
    await Promise.allSettled([auth, ratelimit].filter(Boolean).map((s) => s.close()));
    await stack?.close();
  });

  it('counts each message against the key quota: Limit Exceeded frames past it, the connection kept', async () => {
    const plan = await sdk.send(
      new CreateUsagePlanCommand({
        name: 'ws',
        apiStages: [{ apiId: 'metered', stage: 'prod' }],
        quota: { limit: 3, period: 'DAY' },
      }),
    );
    const key = await sdk.send(new CreateApiKeyCommand({ name: 'ws', enabled: true }));
    const url = stack.url(edge, 'metered');
    // Without the key in the plan, the handshake is refused.
    await expect(TestClient.connect(url, { headers: { 'x-api-key': key.value! } })).rejects.toThrow(
      'status 403',
    );
    await sdk.send(
      new CreateUsagePlanKeyCommand({ usagePlanId: plan.id, keyId: key.id, keyType: 'API_KEY' }),
    );
    let connected: TestClient | undefined;
    await eventually(async () => {
      connected = await TestClient.connect(url, { headers: { 'x-api-key': key.value! } });
    });
    const client = connected!;
    clients.push(client);
    for (let i = 0; i < 5; i++) client.send({ action: 'echo', n: i });
    const answers: Record<string, unknown>[] = [];
    for (let i = 0; i < 5; i++)
      answers.push(JSON.parse(await client.next()) as Record<string, unknown>);
    expect(answers.filter((a) => a.echo !== undefined)).toHaveLength(3);
    const frames = answers.filter((a) => a.message === 'Limit Exceeded');
    expect(frames).toHaveLength(2);
    expect(frames[0]).toEqual({
      message: 'Limit Exceeded',
      connectionId: expect.any(String),
      requestId: expect.any(String),
    });
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    // The messages carried the key to the function, as $connect's event did.
    const echoed = stack.events.filter(
      (e) => e.requestContext.eventType === 'MESSAGE' && e.requestContext.apiId === 'metered',
    );
    expect(echoed.at(-1)?.requestContext.identity).toMatchObject({
      apiKey: key.value,
      apiKeyId: key.id,
    });
  });
});

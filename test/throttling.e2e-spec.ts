import {
  type APIGatewayClient,
  CreateDeploymentCommand,
  CreateStageCommand,
  ImportRestApiCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import { RATELIMIT_CONSUME, RATELIMIT_QUEUE_GROUP } from '@portico/contracts';
import {
  connectNats,
  type PinoLogger,
  type RunningService,
  type ServiceHandle,
} from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { request } from 'undici';
import {
  managementClient,
  startTestControl,
  startTestEdge,
  startTestRatelimit,
} from './support/services';
import { MOCK_200 } from './support/openapi-fixtures';

const API = `
openapi: 3.0.1
info: { title: Throttled pets, version: '1' }
paths:
  /pets:
    get:${MOCK_200}
    post:${MOCK_200}
  /toys:
    get:${MOCK_200}
`;

/** Rates so low that no bucket refills while a test runs: the counts are exact. */
const SLOW = '0.001';
const STAGE_BURST = 20;
const POST_BURST = 3;
const ACCOUNT_BURST = 100;

interface Answer {
  status: number;
  retryAfter?: string;
  body: string;
}

/**
 * Stage and method throttling on the edge, decided by the real ratelimit service on real NATS
 * and Redis: two edges share every bucket; the stage default (`*\/*`) caps a stage's methods
 * together, a stricter method override caps its method alone, a stage without throttling is
 * under the account's bucket only, and with the ratelimit service gone an edge fails open or
 * closed as configured.
 */
describe('throttling', () => {
  let infra: TestInfra;
  let control: RunningService;
  let ratelimit: ServiceHandle | undefined;
  let sdk: APIGatewayClient;
  let apiId: string;
  const edges: RunningService[] = [];
  let openEdge: RunningService;
  let closedEdge: RunningService;

  beforeAll(async () => {
    infra = await startInfra();
    control = await startTestControl(infra);
    ratelimit = await startTestRatelimit(infra);
    sdk = managementClient(control);
    apiId = (await sdk.send(new ImportRestApiCommand({ body: Buffer.from(API) }))).id!;
    const { id: deploymentId } = await sdk.send(new CreateDeploymentCommand({ restApiId: apiId }));
    for (const stageName of ['prod', 'free']) {
      await sdk.send(new CreateStageCommand({ restApiId: apiId, stageName, deploymentId }));
    }
    await sdk.send(
      new UpdateStageCommand({
        restApiId: apiId,
        stageName: 'prod',
        patchOperations: [
          { op: 'replace', path: '/*/*/throttling/rateLimit', value: SLOW },
          { op: 'replace', path: '/*/*/throttling/burstLimit', value: String(STAGE_BURST) },
          { op: 'replace', path: '/~1pets/POST/throttling/rateLimit', value: SLOW },
          { op: 'replace', path: '/~1pets/POST/throttling/burstLimit', value: String(POST_BURST) },
        ],
      }),
    );
    // Started after the stages are set, so their first load already has the throttling.
    const env = {
      THROTTLE_ACCOUNT_RATE: SLOW,
      THROTTLE_ACCOUNT_BURST: String(ACCOUNT_BURST),
      // Counts must be exact: a busy test machine must not make a decision time out (and admit).
      THROTTLE_TIMEOUT_MS: '5000',
    };
    for (let i = 0; i < 2; i++) edges.push(await startTestEdge(infra, env));
    openEdge = await startTestEdge(infra, {
      ...env,
      THROTTLE_TIMEOUT_MS: '200',
      THROTTLE_FAILURE_MODE: 'open',
    });
    closedEdge = await startTestEdge(infra, {
      ...env,
      THROTTLE_TIMEOUT_MS: '200',
      THROTTLE_FAILURE_MODE: 'closed',
    });
    // An unrouted path answers once the stage is served, and takes no token.
    for (const edge of [...edges, openEdge, closedEdge]) {
      for (const stage of ['prod', 'free']) {
        await eventually(async () =>
          expect((await call(edge, 'GET', stage, '/nope')).body).toContain(
            'Missing Authentication Token',
          ),
        );
      }
    }
  });

  afterAll(async () => {
    sdk?.destroy();
    await Promise.allSettled(
      [...edges, openEdge, closedEdge, control].filter(Boolean).map((s) => s.close()),
    );
    await ratelimit?.close();
    await infra?.stop();
  });

  async function call(
    edge: RunningService,
    method: string,
    stage: string,
    path: string,
  ): Promise<Answer> {
    const res = await request(
      `http://127.0.0.1:${edge.port}/restapis/${apiId}/${stage}/_user_request_${path}`,
      { method },
    );
    const retryAfter = res.headers['retry-after'];
    return {
      status: res.statusCode,
      retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
      body: await res.body.text(),
    };
  }

  /** `n` requests at once, spread over the two edges. */
  function burst(n: number, method: string, stage: string, paths: string[]): Promise<Answer[]> {
    return Promise.all(
      Array.from({ length: n }, (_, i) =>
        call(edges[i % 2] as RunningService, method, stage, paths[i % paths.length] as string),
      ),
    );
  }

  const count = (answers: Answer[], status: number) =>
    answers.filter((a) => a.status === status).length;

  it('caps a method with a stricter override at its own burst, whatever the stage allows', async () => {
    const answers = await burst(12, 'POST', 'prod', ['/pets']);
    expect(count(answers, 200)).toBe(POST_BURST);
    expect(count(answers, 429)).toBe(12 - POST_BURST);
  });

  it('caps the other methods of the stage together at the stage burst, with 429 and Retry-After', async () => {
    const answers = await burst(50, 'GET', 'prod', ['/pets', '/toys']);
    expect(count(answers, 200)).toBe(STAGE_BURST);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(50 - STAGE_BURST);
    for (const a of refused) {
      expect(JSON.parse(a.body)).toEqual({ message: 'Too Many Requests' });
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    }
  });

  it('puts a stage without throttling under the account bucket only', async () => {
    // The account has given POST_BURST + STAGE_BURST tokens to prod already.
    const left = ACCOUNT_BURST - POST_BURST - STAGE_BURST;
    const answers = await burst(left + 20, 'GET', 'free', ['/pets', '/toys']);
    expect(count(answers, 200)).toBe(left);
    expect(count(answers, 429)).toBe(20);
  });

  it('applies an UpdateStage to the edges as they reload the stage', async () => {
    await sdk.send(
      new UpdateStageCommand({
        restApiId: apiId,
        stageName: 'free',
        patchOperations: [
          { op: 'replace', path: '/*/*/throttling/rateLimit', value: '0' },
          { op: 'replace', path: '/*/*/throttling/burstLimit', value: '0' },
        ],
      }),
    );
    // A limit of 0 refuses with Retry-After 1; the exhausted account bucket would say ~1000 s.
    for (const edge of edges) {
      await eventually(async () => {
        const answer = await call(edge, 'GET', 'free', '/pets');
        expect([answer.status, answer.retryAfter]).toEqual([429, '1']);
      });
    }
  });

  it('with the ratelimit service stopped, admits in open mode and answers 503 in closed mode', async () => {
    await ratelimit?.close();
    ratelimit = undefined;
    const open = await call(openEdge, 'GET', 'prod', '/pets');
    expect(open.status).toBe(200);
    const closed = await call(closedEdge, 'GET', 'prod', '/pets');
    expect(closed.status).toBe(503);
    expect(closed.retryAfter).toBe('1');
    expect(JSON.parse(closed.body)).toEqual({ message: 'Service Unavailable' });
    const metrics = await (
      await request(`http://127.0.0.1:${openEdge.opsPort}/metrics`)
    ).body.text();
    expect(metrics).toMatch(/^portico_edge_throttle_unavailable_total{service="edge"} 1$/m);
  });

  it('does not wait past THROTTLE_TIMEOUT_MS on a ratelimit service that does not answer', async () => {
    // A replica that takes requests and never answers, as a frozen one would.
    const nc = await connectNats(infra.natsUrl, 'frozen-ratelimit', {
      warn: () => undefined,
    } as unknown as PinoLogger);
    nc.subscribe(RATELIMIT_CONSUME, { queue: RATELIMIT_QUEUE_GROUP });
    await nc.flush();
    try {
      const closed = await call(closedEdge, 'GET', 'prod', '/toys');
      expect(closed.status).toBe(503);
      expect(closed.retryAfter).toBe('1');
      expect((await call(openEdge, 'GET', 'prod', '/toys')).status).toBe(200);
    } finally {
      await nc.close();
    }
  });
});

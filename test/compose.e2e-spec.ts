/**
 * docker-compose.yml, proven without Docker: every compose service that runs Portico's code
 * (or the demo's) is started as a local process with its compose command, environment,
 * healthcheck and depends_on order — service host names mapped to loopback, image paths to the
 * repository, ports to free ones — and the demo API is called through the edge. The edge runs
 * as two replicas, as `docker compose up --scale edge=2` runs it, each with its own ports. NATS
 * and Redis come from the test harness; the load balancer is replaced by the edge addresses it
 * proxies to, and the test calls each replica itself.
 *
 * Needs `pnpm build` first (the services run from dist/, as in the image); `pnpm test` builds
 * before it tests.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APIGatewayClient, GetStageCommand, UpdateStageCommand } from '@aws-sdk/client-api-gateway';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { request } from 'undici';
import { readComposeFile, bindMountsOf, type ComposeFile } from './support/compose-file';
import { localize, scriptsOf, type LocalPlan } from './support/compose-local';
import { startServices, stopServices, type LocalProcess } from './support/local-services';

const repo = join(__dirname, '..');
const STAGE_PATH = '/restapis/demo/prod/_user_request_';
/** Replicas of the edge service, as `--scale edge=2`. */
const EDGE_REPLICAS = 2;

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
      scale: { edge: EDGE_REPLICAS },
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
      'control',
      'edge-1',
      'edge-2',
      'fn-hello',
      'upstream',
    ]);
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
    const control = plan.addresses.get('control:8081')?.[0];
    const sdk = new APIGatewayClient({
      endpoint: `http://${control}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
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

  it('serves the management API on the published control port', async () => {
    const control = plan.addresses.get('control:8081')?.[0];
    expect(control).toBeDefined();
    const res = await request(`http://${control}/restapis`);
    expect(res.statusCode).toBe(200);
    const body = (await res.body.json()) as { item?: Array<{ id: string; name: string }> };
    expect(body.item).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'demo', name: 'Demo API' })]),
    );
  });

  it('stops every service cleanly on SIGTERM, as `docker compose stop` does', async () => {
    const results = await stopServices(running ?? new Map(), 25_000);
    running = undefined;
    expect(results).toEqual({
      'edge-1': { code: 0, signal: null },
      'edge-2': { code: 0, signal: null },
      control: { code: 0, signal: null },
      'fn-hello': { code: 0, signal: null },
      upstream: { code: 0, signal: null },
    });
  });
});

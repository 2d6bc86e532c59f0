/**
 * docker-compose.yml, proven without Docker: every compose service that runs Portico's code
 * (or the demo's) is started as a local process with its compose command, environment,
 * healthcheck and depends_on order — service host names mapped to loopback, image paths to the
 * repository, ports to free ones — and the demo API is called through the edge. NATS and Redis
 * come from the test harness; the load balancer is replaced by the edge address it proxies to.
 *
 * Needs `pnpm build` first (the services run from dist/, as in the image); `pnpm verify` builds
 * before it tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startInfra, type TestInfra } from '@portico/testing';
import { request } from 'undici';
import { readComposeFile, bindMountsOf, type ComposeFile } from './support/compose-file';
import { localize, scriptsOf, type LocalPlan } from './support/compose-local';
import { startServices, stopServices, type LocalProcess } from './support/local-services';

const repo = join(__dirname, '..');
const STAGE_PATH = '/restapis/demo/prod/_user_request_';

jest.setTimeout(120_000);

describe('docker-compose.yml, run as local processes', () => {
  let infra: TestInfra;
  let compose: ComposeFile;
  let plan: LocalPlan;
  let running: Map<string, LocalProcess> | undefined;
  let edge: string;

  async function call(
    path: string,
    init: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> } = {},
  ): Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    text: string;
  }> {
    const res = await request(`http://${edge}${path}`, {
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
    edge = plan.rewrite(target[2] as string);
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
      'edge',
      'fn-hello',
      'upstream',
    ]);
    expect(compose.services.edge?.build).toBeDefined();
    expect(edge).toMatch(/^127\.0\.0\.1:\d+$/);
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
    const body = JSON.parse(res.text) as {
      message: string;
      event: Record<string, unknown>;
      context: Record<string, unknown>;
    };
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
    const control = plan.addresses.get('control:8081');
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
      edge: { code: 0, signal: null },
      control: { code: 0, signal: null },
      'fn-hello': { code: 0, signal: null },
      upstream: { code: 0, signal: null },
    });
  });
});

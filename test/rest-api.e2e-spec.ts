import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import {
  APIGatewayClient,
  BadRequestException,
  CreateDeploymentCommand,
  GetResourcesCommand,
  ImportRestApiCommand,
  NotFoundException,
  PutRestApiCommand,
} from '@aws-sdk/client-api-gateway';
import { request } from 'undici';
import { bootstrap as startControl } from '@portico/control';
import { bootstrap as startEdge } from '@portico/edge';
import { startFunctionRunner } from '@portico/functions';
import type { RunningService } from '@portico/platform';
import { eventually, freePort, startInfra, type TestInfra } from '@portico/testing';

/**
 * The foundation end to end: the AWS SDK imports an OpenAPI document into control, deploys it,
 * and two real edges serve it with http_proxy, aws_proxy (function runner over NATS) and mock
 * integrations, the documented errors, and live definition changes.
 */
describe('REST APIs end to end', () => {
  let infra: TestInfra;
  let upstream: Server;
  let upstreamHost: string;
  let control: RunningService;
  const edges: RunningService[] = [];
  const runners: { close(): Promise<void> }[] = [];
  let sdk: APIGatewayClient;
  let apiId: string;

  beforeAll(async () => {
    infra = await startInfra();
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/slow') {
          setTimeout(() => res.end('late'), 3000).unref();
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-upstream', 'yes');
        res.end(
          JSON.stringify({
            method: req.method,
            url: req.url,
            body: Buffer.concat(chunks).toString(),
            forwardedFor: req.headers['x-forwarded-for'] ?? null,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const addr = upstream.address();
    upstreamHost = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

    const env = {
      NATS_URL: infra.natsUrl,
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: infra.redisKeyPrefix,
      LOG_LEVEL: 'warn',
    };
    runners.push(
      await startFunctionRunner({
        natsUrl: infra.natsUrl,
        name: 'e2e-pets',
        handler: async (event: unknown) => {
          const e = event as {
            path: string;
            httpMethod: string;
            pathParameters: Record<string, string> | null;
            queryStringParameters: Record<string, string> | null;
            body: string | null;
            requestContext: { stage: string; requestId: string };
          };
          return {
            statusCode: 201,
            headers: { 'content-type': 'application/json', 'x-fn': 'e2e-pets' },
            body: JSON.stringify({
              path: e.path,
              method: e.httpMethod,
              proxy: e.pathParameters?.proxy,
              query: e.queryStringParameters,
              body: e.body,
              stage: e.requestContext.stage,
            }),
          };
        },
      }),
      await startFunctionRunner({
        natsUrl: infra.natsUrl,
        name: 'e2e-malformed',
        handler: async () => ({ statusCode: 'two hundred', body: { not: 'a string' } }),
      }),
    );

    control = await startControl({
      ...env,
      CONTROL_PORT: '0',
      CONTROL_OPS_PORT: '0',
      PORTICO_CONFIG_WATCH: 'false',
    });
    for (let i = 0; i < 2; i++) {
      edges.push(
        await startEdge({ ...env, EDGE_PORT: '0', EDGE_OPS_PORT: '0', EDGE_HOST: '127.0.0.1' }),
      );
    }
    sdk = new APIGatewayClient({
      endpoint: `http://127.0.0.1:${control.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
  });

  afterAll(async () => {
    sdk?.destroy();
    await Promise.allSettled([...edges.map((e) => e.close()), control?.close()]);
    await Promise.allSettled(runners.map((r) => r.close()));
    upstream?.close();
    await infra?.stop();
  });

  const call = async (
    edge: RunningService,
    path: string,
    opts: {
      method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
      body?: string;
      headers?: Record<string, string>;
    } = {},
  ) => {
    const res = await request(`http://127.0.0.1:${edge.port}${path}`, {
      method: opts.method ?? 'GET',
      body: opts.body,
      headers: opts.headers,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  };
  const prod = (path: string) => `/restapis/${apiId}/prod/_user_request_${path}`;

  it('imports an AWS OpenAPI document and deploys it with the AWS SDK', async () => {
    const body = readFileSync(join(__dirname, 'fixtures/e2e-api.yaml'));
    const api = await sdk.send(new ImportRestApiCommand({ body, failOnWarnings: true }));
    expect(api.name).toBe('E2E Pets');
    apiId = api.id!;
    const resources = await sdk.send(
      new GetResourcesCommand({ restApiId: apiId, embed: ['methods'] }),
    );
    expect(resources.items?.map((r) => r.path).sort()).toEqual(
      expect.arrayContaining(['/', '/pets', '/pets/{petId}', '/fn', '/fn/{proxy+}', '/health']),
    );
    const deployment = await sdk.send(
      new CreateDeploymentCommand({
        restApiId: apiId,
        stageName: 'prod',
        variables: { upstreamHost, deadHost: `127.0.0.1:${await freePort()}`, fnName: 'e2e-pets' },
      }),
    );
    expect(deployment.id).toMatch(/^[a-z0-9]+$/);
    await eventually(async () => expect((await call(edges[0]!, prod('/health'))).status).toBe(200));
  });

  it('proxies http_proxy routes with stage variables and mapped path parameters', async () => {
    const list = await call(edges[0]!, prod('/pets?limit=2&tag=a&tag=b'));
    expect(list.status).toBe(200);
    expect(list.headers['x-upstream']).toBe('yes');
    expect(list.headers['x-amzn-requestid']).toMatch(/[0-9a-f-]{36}/);
    expect(JSON.parse(list.text)).toMatchObject({
      method: 'GET',
      url: '/pets?limit=2&tag=a&tag=b',
    });

    const one = await call(edges[0]!, prod('/pets/42'));
    expect(JSON.parse(one.text)).toMatchObject({ url: '/pets/42' });

    const posted = await call(edges[0]!, prod('/pets'), { method: 'POST', body: '{"name":"rex"}' });
    expect(JSON.parse(posted.text)).toMatchObject({
      method: 'POST',
      url: '/echo',
      body: '{"name":"rex"}',
    });
  });

  it('serves the same stage from a second edge, also by host name', async () => {
    const res = await call(edges[1]!, '/prod/pets/7', {
      headers: { host: `${apiId}.execute-api.localhost` },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ url: '/pets/7' });
  });

  it('invokes functions through aws_proxy with the Lambda proxy event', async () => {
    const res = await call(edges[0]!, prod('/fn/a/b?x=1'), { method: 'PUT', body: 'hello' });
    expect(res.status).toBe(201);
    expect(res.headers['x-fn']).toBe('e2e-pets');
    expect(JSON.parse(res.text)).toEqual({
      path: '/fn/a/b',
      method: 'PUT',
      proxy: 'a/b',
      query: { x: '1' },
      body: 'hello',
      stage: 'prod',
    });
  });

  it('answers mock integrations from their templates', async () => {
    const res = await call(edges[0]!, prod('/health'));
    expect(res.status).toBe(200);
    expect(res.headers['x-mock']).toBe('yes');
    expect(JSON.parse(res.text)).toEqual({ status: 'ok', stage: 'prod' });
  });

  it('gives the documented errors', async () => {
    const unknown = await call(edges[0]!, prod('/nope'));
    expect(unknown.status).toBe(403);
    expect(JSON.parse(unknown.text)).toEqual({ message: 'Missing Authentication Token' });
    expect(unknown.headers['x-amzn-requestid']).toBeDefined();
    expect(unknown.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');

    const wrongMethod = await call(edges[0]!, prod('/health'), { method: 'DELETE' });
    expect(wrongMethod.status).toBe(403);

    const unknownStage = await call(edges[0]!, `/restapis/${apiId}/nostage/_user_request_/pets`);
    expect(unknownStage.status).toBe(403);
    expect(JSON.parse(unknownStage.text)).toEqual({ message: 'Forbidden' });
    expect(unknownStage.headers['x-amzn-errortype']).toBe('ForbiddenException');

    const timeout = await call(edges[0]!, prod('/slow'));
    expect(timeout.status).toBe(504);
    expect(JSON.parse(timeout.text)).toEqual({ message: 'Endpoint request timed out' });

    const dead = await call(edges[0]!, prod('/dead'));
    expect(dead.status).toBe(502);

    const malformed = await call(edges[0]!, prod('/broken'));
    expect(malformed.status).toBe(502);
    expect(JSON.parse(malformed.text)).toEqual({ message: 'Internal server error' });
    expect(malformed.headers['x-amzn-errortype']).toBe('InternalServerErrorException');
  });

  it('rejects bad definitions with AWS errors and changes nothing', async () => {
    await expect(
      sdk.send(new ImportRestApiCommand({ body: Buffer.from('openapi: [not a document') })),
    ).rejects.toBeInstanceOf(BadRequestException);
    await expect(
      sdk.send(
        new PutRestApiCommand({
          restApiId: 'doesnotexist',
          body: readFileSync(join(__dirname, 'fixtures/e2e-api.yaml')),
        }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
    const stillServing = await call(edges[0]!, prod('/health'));
    expect(stillServing.status).toBe(200);
  });

  it('applies a definition change on running edges without a restart', async () => {
    const before = await call(edges[1]!, prod('/new'));
    expect(before.status).toBe(403);
    await sdk.send(
      new PutRestApiCommand({
        restApiId: apiId,
        mode: 'merge',
        body: readFileSync(join(__dirname, 'fixtures/e2e-api-change.yaml')),
      }),
    );
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
    for (const edge of edges) {
      await eventually(async () => {
        const res = await call(edge, prod('/new'));
        expect(res.status).toBe(201);
        expect(JSON.parse(res.text)).toEqual({ added: true });
      });
      // The merged definition still has the old routes, and now a custom gateway response.
      expect((await call(edge, prod('/pets/1'))).status).toBe(200);
      const missing = await call(edge, prod('/still-nope'));
      expect(missing.status).toBe(404);
      expect(missing.headers['x-portico-test']).toBe('missing');
      expect(JSON.parse(missing.text)).toMatchObject({ error: 'Missing Authentication Token' });
    }
  });
});

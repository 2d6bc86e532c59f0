import { CreateDeploymentCommand, ImportRestApiCommand } from '@aws-sdk/client-api-gateway';
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateDeploymentCommand as CreateV2DeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  GetRoutesCommand,
  UpdateRouteCommand,
} from '@aws-sdk/client-apigatewayv2';
import { bootstrap as startConnections } from '@portico/connections';
import { type FunctionRunner, startFunctionRunner } from '@portico/functions';
import { NodeSha256 } from '@portico/iam';
import type { RunningService, ServiceHandle } from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { SignatureV4 } from '@smithy/signature-v4';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import WebSocket from 'ws';
import {
  managementClient,
  serviceEnv,
  startTestAuth,
  startTestControl,
  startTestEdge,
} from './support/services';
import { MOCK_200 } from './support/openapi-fixtures';

const API = `
openapi: 3.0.1
info: { title: Signed pets, version: '1' }
paths:
  /pets:
    get:
      x-amazon-apigateway-auth: { type: AWS_IAM }
      x-amazon-apigateway-integration: &fn
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:signed/invocations
    post:
      x-amazon-apigateway-auth: { type: AWS_IAM }
      x-amazon-apigateway-integration: *fn
  /pets/{id}:
    get:
      x-amazon-apigateway-auth: { type: AWS_IAM }
      x-amazon-apigateway-integration: *fn
  /open:
    get:${MOCK_200}
`;

/** A resource policy, in the `execute-api:/…` shorthand API Gateway accepts. */
const guardedApi = (upstream: string) => `
openapi: 3.0.1
info: { title: Guarded, version: '1' }
x-amazon-apigateway-policy:
  Version: '2012-10-17'
  Statement:
    - Effect: Allow
      Principal: '*'
      Action: execute-api:Invoke
      Resource: execute-api:/prod/GET/public
      Condition: { IpAddress: { aws:SourceIp: [127.0.0.0/8, '::1'] } }
    - Effect: Allow
      Principal: '*'
      Action: execute-api:Invoke
      Resource: execute-api:/prod/GET/lan
      Condition: { IpAddress: { aws:SourceIp: 10.0.0.0/8 } }
    - Effect: Deny
      Principal: '*'
      Action: execute-api:Invoke
      Resource: [execute-api:/*/GET/blocked, execute-api:/*/GET/signed-blocked]
    - Effect: Allow
      Principal: '*'
      Action: execute-api:Invoke
      Resource: [execute-api:/prod/GET/custom-allowed, execute-api:/prod/GET/mapped]
    - Effect: Deny
      Principal: '*'
      Action: execute-api:Invoke
      Resource: execute-api:/prod/GET/custom-blocked
    - Effect: Allow
      Principal: { AWS: arn:aws:iam::123456789012:user/carol }
      Action: execute-api:Invoke
      Resource: execute-api:/prod/GET/signed
paths:
  /public:
    get:
      x-amazon-apigateway-integration: &mock
        type: mock
        requestTemplates: { application/json: '{"statusCode": 200}' }
        responses: { default: { statusCode: '200' } }
  /lan: { get: { x-amazon-apigateway-integration: *mock } }
  /other: { get: { x-amazon-apigateway-integration: *mock } }
  /files/{proxy+}: { get: { x-amazon-apigateway-integration: *mock } }
  /blocked: { get: { x-amazon-apigateway-integration: *mock } }
  /signed:
    get: { x-amazon-apigateway-auth: { type: AWS_IAM }, x-amazon-apigateway-integration: *mock }
  /custom-allowed:
    get: { security: [{ silent: [] }], x-amazon-apigateway-integration: *mock }
  /mapped:
    get:
      security: [{ silent: [] }]
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: ${upstream}/seen
        requestParameters:
          integration.request.header.x-principal: context.authorizer.principalId
          integration.request.header.x-tier: context.authorizer.tier
        responses: { default: { statusCode: '200' } }
  /custom-neither:
    get: { security: [{ silent: [] }], x-amazon-apigateway-integration: *mock }
  /custom-blocked:
    get: { security: [{ silent: [] }], x-amazon-apigateway-integration: *mock }
  /signed-blocked:
    get: { x-amazon-apigateway-auth: { type: AWS_IAM }, x-amazon-apigateway-integration: *mock }
components:
  securitySchemes:
    silent:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:silent/invocations
        authorizerResultTtlInSeconds: 0
`;

interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

interface Seen {
  identity: Record<string, unknown>;
  body: string | null;
}

/**
 * AWS_IAM methods end to end: credentials made through control's management API (kept by the
 * auth service), requests signed by @smithy/signature-v4 as the AWS SDKs sign (header and
 * presigned URL), verified by the edge with the day's signing key and authorized by the
 * credential's identity policies; tampering, stale dates, wrong scopes, disabled and deleted
 * credentials and an auth outage each get API Gateway's answer.
 */
describe('AWS_IAM authorization', () => {
  let infra: TestInfra;
  let control: RunningService;
  let edge: RunningService;
  let connections: ServiceHandle;
  let socketsId: string;
  const auths: ServiceHandle[] = [];
  let runner: FunctionRunner;
  /** A Lambda authorizer whose policy neither allows nor denies anything of these APIs. */
  let silent: FunctionRunner;
  let silentCalls = 0;
  /** An HTTP backend that records the headers it was sent. */
  let upstream: Server;
  const upstreamHeaders: IncomingHttpHeaders[] = [];
  let apiId: string;
  let guardedId: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    infra = await startInfra();
    runner = await startFunctionRunner({
      natsUrl: infra.natsUrl,
      name: 'signed',
      handler: async (event: unknown) => {
        const e = event as { requestContext: { identity: Record<string, unknown> }; body: string };
        seen.push({ identity: e.requestContext.identity, body: e.body });
        return { statusCode: 200, body: 'pets' };
      },
    });
    silent = await startFunctionRunner({
      natsUrl: infra.natsUrl,
      name: 'silent',
      handler: async () => {
        silentCalls += 1;
        return {
          principalId: 'quiet',
          context: { tier: 'gold' },
          policyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'execute-api:Invoke',
                Resource: 'arn:aws:execute-api:*:*:someotherapi/*',
              },
            ],
          },
        };
      },
    });
    upstream = createServer((req, res) => {
      upstreamHeaders.push(req.headers);
      res.end('seen');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    auths.push(await startTestAuth(infra));
    control = await startTestControl(infra);
    edge = await startTestEdge(infra, { CONNECTIONS_API_AUTH: 'iam', MAX_BODY_BYTES: '4096' });
    const sdk = managementClient(control);
    const api = await sdk.send(
      new ImportRestApiCommand({ body: Buffer.from(API), failOnWarnings: true }),
    );
    apiId = api.id!;
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
    const guarded = await sdk.send(
      new ImportRestApiCommand({
        body: Buffer.from(
          guardedApi(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`),
        ),
        failOnWarnings: true,
      }),
    );
    guardedId = guarded.id!;
    await sdk.send(new CreateDeploymentCommand({ restApiId: guardedId, stageName: 'prod' }));
    sdk.destroy();
    connections = await startConnections({ ...serviceEnv(infra), CONNECTIONS_OPS_PORT: '0' });
    const v2 = new ApiGatewayV2Client({
      endpoint: `http://127.0.0.1:${control.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    socketsId = (
      await v2.send(
        new CreateApiCommand({
          Name: 'sockets',
          ProtocolType: 'WEBSOCKET',
          RouteSelectionExpression: '$request.body.action',
        }),
      )
    ).ApiId!;
    const integration = await v2.send(
      new CreateIntegrationCommand({
        ApiId: socketsId,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: 'signed',
      }),
    );
    await v2.send(
      new CreateRouteCommand({
        ApiId: socketsId,
        RouteKey: '$connect',
        AuthorizationType: 'AWS_IAM',
        Target: `integrations/${integration.IntegrationId}`,
      }),
    );
    await v2.send(new CreateV2DeploymentCommand({ ApiId: socketsId, StageName: 'prod' }));
    v2.destroy();
    await eventually(async () => expect((await call('GET', '/open')).status).toBe(200));
  });

  afterAll(async () => {
    await Promise.allSettled([edge?.close(), control?.close(), connections?.close()]);
    await Promise.allSettled(auths.map((a) => a.close()));
    await runner?.close();
    await silent?.close();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
    await infra?.stop();
  });

  async function manage(method: string, path: string, body?: string) {
    const res = await request(`http://127.0.0.1:${control.port}${path}`, {
      method: method as 'GET',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body,
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: text ? (JSON.parse(text) as unknown) : undefined };
  }

  async function credential(policies: object[], userName = 'alice'): Promise<Credential> {
    const res = await manage('POST', '/credentials', JSON.stringify({ userName, policies }));
    expect(res.status).toBe(201);
    return res.json as Credential;
  }

  const allow = (resource: string, effect = 'Allow') => ({
    Version: '2012-10-17',
    Statement: [{ Effect: effect, Action: 'execute-api:Invoke', Resource: resource }],
  });

  const base = (id = apiId) => `/restapis/${id}/prod/_user_request_`;

  async function call(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: string } = {},
  ) {
    const res = await request(
      `http://127.0.0.1:${edge.port}${path.startsWith('/restapis') ? path : base() + path}`,
      {
        method: method as 'GET',
        headers: init.headers,
        body: init.body,
      },
    );
    return { status: res.statusCode, text: await res.body.text() };
  }

  function signer(cred: Credential, region = 'us-east-1', service = 'execute-api') {
    return new SignatureV4({
      credentials: cred,
      region,
      service,
      sha256: NodeSha256,
    });
  }

  /** Signs as the AWS SDKs do, and returns what to send. */
  async function signed(
    cred: Credential,
    method: string,
    path: string,
    opts: {
      api?: string;
      query?: Record<string, string>;
      body?: string;
      at?: Date;
      region?: string;
      service?: string;
    } = {},
  ) {
    const host = `127.0.0.1:${edge.port}`;
    const req = await signer(cred, opts.region, opts.service).sign(
      {
        method,
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: edge.port,
        path: base(opts.api) + path,
        query: opts.query ?? {},
        headers: {
          host,
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: opts.body,
      },
      { signingDate: opts.at },
    );
    // As the SDKs send a query: RFC 3986 encoding, spaces as %20 (a `+` would be a plus).
    const query = Object.entries(opts.query ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    return {
      path: `${base(opts.api)}${path}${query ? `?${query}` : ''}`,
      headers: req.headers as Record<string, string>,
      body: opts.body,
    };
  }

  async function send(
    s: { path: string; headers: Record<string, string>; body?: string },
    method = 'GET',
  ) {
    return call(method, s.path, { headers: s.headers, body: s.body });
  }

  it('admits a request signed by a credential whose policy allows the method, with its identity', async () => {
    const cred = await credential([allow(`arn:aws:execute-api:us-east-1:*:${apiId}/prod/*/pets`)]);
    const res = await send(await signed(cred, 'GET', '/pets', { query: { kind: 'cat dog' } }));
    expect(res).toEqual({ status: 200, text: 'pets' });
    expect(seen.at(-1)!.identity).toMatchObject({
      accessKey: cred.accessKeyId,
      userArn: 'arn:aws:iam::123456789012:user/alice',
      user: 'alice',
      accountId: '123456789012',
    });
    const posted = await send(
      await signed(cred, 'POST', '/pets', { body: '{"name":"rex"}' }),
      'POST',
    );
    expect(posted.status).toBe(200);
    expect(seen.at(-1)!.body).toBe('{"name":"rex"}');
  });

  it('answers 413 to a body over the limit that it must read to check the signature', async () => {
    const cred = await credential([allow(`arn:aws:execute-api:*:*:${apiId}/*`)]);
    const body = 'x'.repeat(8192);
    const req = await signed(cred, 'POST', '/pets', { body });
    // Chunked, so no Content-Length stops it before the gate reads the body for its hash.
    const res = await request(`http://127.0.0.1:${edge.port}${req.path}`, {
      method: 'POST',
      headers: req.headers,
      body: Readable.from([Buffer.from(body.slice(0, 4096)), Buffer.from(body.slice(4096))]),
    });
    expect(res.statusCode).toBe(413);
    expect(await res.body.json()).toEqual({ message: 'Request Entity Too Large' });
  });

  it('refuses an unsigned request and an unknown key as API Gateway does', async () => {
    expect(await call('GET', '/pets')).toEqual({
      status: 403,
      text: JSON.stringify({ message: 'Missing Authentication Token' }),
    });
    const res = await send(
      await signed(
        { accessKeyId: 'PKIANOSUCHKEY0000000', secretAccessKey: 'x'.repeat(40) },
        'GET',
        '/pets',
      ),
    );
    expect(res).toEqual({
      status: 403,
      text: JSON.stringify({ message: 'The security token included in the request is invalid.' }),
    });
  });

  it('refuses a tampered body, path, query or header, a wrong scope and a stale date', async () => {
    const cred = await credential([allow(`arn:aws:execute-api:us-east-1:*:${apiId}/*`)]);
    const mismatch = /^\{"message":"The request signature we calculated does not match/;
    const post = await signed(cred, 'POST', '/pets', { body: '{"name":"rex"}' });
    // The SDK signs the body's hash as x-amz-content-sha256, which no longer matches.
    expect(await send({ ...post, body: '{"name":"max"}' }, 'POST')).toEqual({
      status: 403,
      text: JSON.stringify({
        message: 'The provided x-amz-content-sha256 header does not match what was computed.',
      }),
    });
    // Nor may a signed header be dropped on the way.
    const dropped = { ...post.headers };
    delete dropped['x-amz-content-sha256'];
    expect(await send({ ...post, headers: dropped }, 'POST')).toEqual({
      status: 403,
      text: JSON.stringify({ message: "The signed header 'x-amz-content-sha256' is missing." }),
    });
    const get = await signed(cred, 'GET', '/pets', { query: { kind: 'cat' } });
    expect((await send({ ...get, path: get.path.replace('/pets', '/pets/1') })).text).toMatch(
      mismatch,
    );
    expect((await send({ ...get, path: get.path.replace('cat', 'dog') })).text).toMatch(mismatch);
    expect((await send({ ...get, path: `${get.path}&extra=1` })).text).toMatch(mismatch);
    const wrongHost = { ...get, headers: { ...get.headers, host: 'evil.example' } };
    expect((await send(wrongHost)).status).toBe(403);
    const region = await send(await signed(cred, 'GET', '/pets', { region: 'eu-west-1' }));
    expect(region).toEqual({
      status: 403,
      text: JSON.stringify({
        message: "Credential should be scoped to a valid region, not 'eu-west-1'.",
      }),
    });
    const service = await send(await signed(cred, 'GET', '/pets', { service: 'apigateway' }));
    expect(service.text).toBe(
      JSON.stringify({ message: "Credential should be scoped to correct service: 'execute-api'." }),
    );
    const stale = await send(
      await signed(cred, 'GET', '/pets', { at: new Date(Date.now() - 6 * 60_000) }),
    );
    expect(stale.status).toBe(403);
    expect(stale.text).toMatch(/^\{"message":"Signature expired: /);
  });

  it('applies the identity policy to each method ARN: explicit Deny first, nothing else allowed', async () => {
    const cred = await credential(
      [
        {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'execute-api:Invoke',
              Resource: `arn:aws:execute-api:*:*:${apiId}/prod/GET/*`,
            },
            {
              Effect: 'Deny',
              Action: 'execute-api:Invoke',
              Resource: `arn:aws:execute-api:*:*:${apiId}/prod/GET/pets/secret`,
            },
          ],
        },
      ],
      'bob',
    );
    expect((await send(await signed(cred, 'GET', '/pets/1'))).status).toBe(200);
    const denied = await send(await signed(cred, 'GET', '/pets/secret'));
    expect(denied).toEqual({
      status: 403,
      text: JSON.stringify({
        Message: `User: arn:aws:iam::123456789012:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:${apiId}/prod/GET/pets/secret with an explicit deny`,
      }),
    });
    const notAllowed = await send(await signed(cred, 'POST', '/pets', { body: '{}' }), 'POST');
    expect(notAllowed.status).toBe(403);
    expect(JSON.parse(notAllowed.text).Message).toMatch(
      /is not authorized to perform: execute-api:Invoke on resource: .*\/prod\/POST\/pets$/,
    );
    // A wildcard for one API does not reach another id that merely starts with it.
    const narrow = await credential([allow(`arn:aws:execute-api:*:*:${apiId.slice(0, -1)}/*`)]);
    expect((await send(await signed(narrow, 'GET', '/pets'))).status).toBe(403);
  });

  it('admits a presigned URL until it expires, and never after', async () => {
    const cred = await credential([allow(`arn:aws:execute-api:*:*:${apiId}/*`)]);
    const presign = async (at: Date, expiresIn: number) => {
      const req = await signer(cred).presign(
        {
          method: 'GET',
          protocol: 'http:',
          hostname: '127.0.0.1',
          port: edge.port,
          path: `${base()}/pets`,
          query: { kind: 'cat' },
          headers: { host: `127.0.0.1:${edge.port}` },
        },
        { signingDate: at, expiresIn },
      );
      const query = Object.entries(req.query ?? {})
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&');
      return `${base()}/pets?${query}`;
    };
    expect((await call('GET', await presign(new Date(), 60))).status).toBe(200);
    const expired = await call('GET', await presign(new Date(Date.now() - 120_000), 60));
    expect(expired.status).toBe(403);
    expect(expired.text).toMatch(/^\{"message":"Signature expired: /);
  });

  it('stops admitting a credential within a second of its being disabled or deleted', async () => {
    const cred = await credential([allow(`arn:aws:execute-api:*:*:${apiId}/*`)]);
    expect((await send(await signed(cred, 'GET', '/pets'))).status).toBe(200);
    const patched = await manage(
      'PATCH',
      `/credentials/${cred.accessKeyId}`,
      JSON.stringify({ patchOperations: [{ op: 'replace', path: '/enabled', value: 'false' }] }),
    );
    expect(patched.status).toBe(200);
    await eventually(async () =>
      expect((await send(await signed(cred, 'GET', '/pets'))).status).toBe(403),
    );
    await manage(
      'PATCH',
      `/credentials/${cred.accessKeyId}`,
      JSON.stringify({ patchOperations: [{ op: 'replace', path: '/enabled', value: 'true' }] }),
    );
    await eventually(async () =>
      expect((await send(await signed(cred, 'GET', '/pets'))).status).toBe(200),
    );
    expect((await manage('DELETE', `/credentials/${cred.accessKeyId}`)).status).toBe(202);
    await eventually(async () =>
      expect((await send(await signed(cred, 'GET', '/pets'))).status).toBe(403),
    );
  });

  it('answers 503 at once while auth is down for a credential it has not cached, never 200', async () => {
    const fresh = await credential([allow(`arn:aws:execute-api:*:*:${apiId}/*`)]);
    await Promise.all(auths.splice(0).map((a) => a.close()));
    const res = await send(await signed(fresh, 'GET', '/pets'));
    expect(res).toEqual({ status: 503, text: JSON.stringify({ message: 'Service Unavailable' }) });
    auths.push(await startTestAuth(infra));
    await eventually(async () =>
      expect((await send(await signed(fresh, 'GET', '/pets'))).status).toBe(200),
    );
  });

  describe('resource policies', () => {
    const arn = (path: string) =>
      `arn:aws:execute-api:us-east-1:123456789012:${guardedId}/prod/GET${path}`;
    const refusal = (who: string, path: string, explicit = false) => ({
      status: 403,
      text: JSON.stringify({
        Message: `User: ${who} is not authorized to perform: execute-api:Invoke on resource: ${arn(path)}${explicit ? ' with an explicit deny' : ''}`,
      }),
    });

    it('serves an anonymous caller only what the policy allows it, by path and source address', async () => {
      expect((await call('GET', `${base(guardedId)}/public`)).status).toBe(200);
      // This caller is on 127.0.0.1, outside the 10.0.0.0/8 the statement names.
      expect(await call('GET', `${base(guardedId)}/lan`)).toEqual(refusal('anonymous', '/lan'));
      expect(await call('GET', `${base(guardedId)}/other`)).toEqual(refusal('anonymous', '/other'));
      // A path that spells an allowed ARN inside itself does not match the allowed resource.
      const crafted = `/files/x:${guardedId}/prod/GET/public`;
      expect(await call('GET', `${base(guardedId)}${crafted}`)).toEqual(
        refusal('anonymous', crafted),
      );
      expect(await call('GET', `${base(guardedId)}/blocked`)).toEqual(
        refusal('anonymous', '/blocked', true),
      );
    });

    it("lets a Lambda authorizer's silent policy through where the resource policy allows, and not elsewhere", async () => {
      const token = { authorization: 'any' };
      expect(
        (await call('GET', `${base(guardedId)}/custom-allowed`, { headers: token })).status,
      ).toBe(200);
      expect(await call('GET', `${base(guardedId)}/custom-neither`, { headers: token })).toEqual({
        status: 403,
        text: JSON.stringify({ Message: 'User is not authorized to access this resource' }),
      });
      // An explicit Deny refuses before the authorizer is asked.
      const before = silentCalls;
      expect(await call('GET', `${base(guardedId)}/custom-blocked`, { headers: token })).toEqual(
        refusal('anonymous', '/custom-blocked', true),
      );
      expect(silentCalls).toBe(before);
    });

    it("maps a Lambda authorizer's principal and context into an HTTP integration's headers", async () => {
      const res = await call('GET', `${base(guardedId)}/mapped`, {
        headers: { authorization: 'any' },
      });
      expect(res).toEqual({ status: 200, text: 'seen' });
      expect(upstreamHeaders.at(-1)).toMatchObject({ 'x-principal': 'quiet', 'x-tier': 'gold' });
    });

    it('admits a signer the policy names with no identity policy; an explicit Deny beats an identity Allow', async () => {
      const carol = await credential([], 'carol');
      expect((await send(await signed(carol, 'GET', '/signed', { api: guardedId }))).status).toBe(
        200,
      );
      const dave = await credential([], 'dave');
      expect(await send(await signed(dave, 'GET', '/signed', { api: guardedId }))).toEqual(
        refusal('arn:aws:iam::123456789012:user/dave', '/signed'),
      );
      const erin = await credential([allow(`arn:aws:execute-api:*:*:${guardedId}/*`)], 'erin');
      expect((await send(await signed(erin, 'GET', '/signed', { api: guardedId }))).status).toBe(
        200,
      );
      expect(await send(await signed(erin, 'GET', '/signed-blocked', { api: guardedId }))).toEqual(
        refusal('arn:aws:iam::123456789012:user/erin', '/signed-blocked', true),
      );
    });
  });

  describe('@connections with CONNECTIONS_API_AUTH=iam', () => {
    const post = (credentials: Credential) => {
      const client = new ApiGatewayManagementApiClient({
        endpoint: `http://127.0.0.1:${edge.port}/restapis/${socketsId}/prod/_user_request_`,
        region: 'us-east-1',
        credentials,
        maxAttempts: 1,
      });
      return client
        .send(new PostToConnectionCommand({ ConnectionId: 'no-such-connection', Data: 'hi' }))
        .finally(() => client.destroy());
    };

    it('takes only calls signed by a credential allowed execute-api:ManageConnections', async () => {
      await eventually(async () =>
        expect(
          (await call('POST', `/restapis/${socketsId}/prod/_user_request_/@connections/x`)).text,
        ).toBe(JSON.stringify({ message: 'Missing Authentication Token' })),
      );
      const invoker = await credential([allow(`arn:aws:execute-api:*:*:${socketsId}/*`)], 'inv');
      await expect(post(invoker)).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
        message: `User: arn:aws:iam::123456789012:user/inv is not authorized to perform: execute-api:ManageConnections on resource: arn:aws:execute-api:us-east-1:123456789012:${socketsId}/prod/POST/@connections/no-such-connection`,
      });
      const manager = await credential(
        [
          {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'execute-api:ManageConnections',
                Resource: `arn:aws:execute-api:*:*:${socketsId}/prod/POST/@connections/*`,
              },
            ],
          },
        ],
        'backend',
      );
      // Past authorization: the connection service's answer for an id it does not know.
      await expect(post(manager)).rejects.toBeInstanceOf(GoneException);
    });
  });

  describe('WebSocket $connect with AWS_IAM', () => {
    /** Opens (and closes) a handshake, or says how the edge refused it. */
    function handshake(headers: Record<string, string>, query = ''): Promise<number | 'open'> {
      const ws = new WebSocket(
        `ws://127.0.0.1:${edge.port}/restapis/${socketsId}/prod/_user_request_/${query}`,
        { headers },
      );
      return new Promise((resolve, reject) => {
        ws.once('open', () => {
          ws.close();
          resolve('open');
        });
        ws.once('unexpected-response', (_req, res) => {
          res.resume();
          ws.terminate();
          resolve(res.statusCode ?? 0);
        });
        ws.once('error', reject);
      });
    }

    async function signedHandshake(
      cred: Credential,
      query: Record<string, string> = {},
      unsigned: Record<string, string> = {},
    ) {
      const req = await signer(cred).sign({
        method: 'GET',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: edge.port,
        path: `/restapis/${socketsId}/prod/_user_request_/`,
        query,
        headers: { host: `127.0.0.1:${edge.port}` },
      });
      const text = Object.entries(query)
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
        .join('&');
      return handshake(
        { ...(req.headers as Record<string, string>), ...unsigned },
        text ? `?${text}` : '',
      );
    }

    it('admits a handshake signed by a credential allowed on …/$connect, with the signer in the event', async () => {
      await eventually(async () => expect(await handshake({})).toBe(403));
      const connector = await credential(
        [allow(`arn:aws:execute-api:us-east-1:*:${socketsId}/prod/$connect`)],
        'connector',
      );
      const before = seen.length;
      expect(await signedHandshake(connector, { room: 'a b' })).toBe('open');
      expect(seen.slice(before).map((s) => s.identity)).toContainEqual(
        expect.objectContaining({
          accessKey: connector.accessKeyId,
          userArn: 'arn:aws:iam::123456789012:user/connector',
        }),
      );
      const outsider = await credential(
        [allow(`arn:aws:execute-api:us-east-1:*:${socketsId}/prod/POST/*`)],
        'outsider',
      );
      expect(await signedHandshake(outsider)).toBe(403);
    });

    it('asks an API key of the handshake too when $connect requires one', async () => {
      const v2 = new ApiGatewayV2Client({
        endpoint: `http://127.0.0.1:${control.port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        maxAttempts: 1,
      });
      const routes = await v2.send(new GetRoutesCommand({ ApiId: socketsId }));
      const connectRoute = routes.Items!.find((r) => r.RouteKey === '$connect')!;
      await v2.send(
        new UpdateRouteCommand({
          ApiId: socketsId,
          RouteId: connectRoute.RouteId!,
          ApiKeyRequired: true,
        }),
      );
      await v2.send(new CreateV2DeploymentCommand({ ApiId: socketsId, StageName: 'prod' }));
      v2.destroy();
      const key = await manage('POST', '/apikeys', JSON.stringify({ name: 'ws', enabled: true }));
      const { id: keyId, value } = key.json as { id: string; value: string };
      const plan = await manage(
        'POST',
        '/usageplans',
        JSON.stringify({ name: 'ws', apiStages: [{ apiId: socketsId, stage: 'prod' }] }),
      );
      expect(plan.status).toBe(201);
      const planId = (plan.json as { id: string }).id;
      await manage(
        'POST',
        `/usageplans/${planId}/keys`,
        JSON.stringify({ keyId, keyType: 'API_KEY' }),
      );
      const connector = await credential(
        [allow(`arn:aws:execute-api:us-east-1:*:${socketsId}/prod/$connect`)],
        'keyed',
      );
      await eventually(async () => expect(await signedHandshake(connector)).toBe(403));
      // Open once every edge has the plan (its change event, or the definitions' revision).
      await eventually(async () =>
        expect(await signedHandshake(connector, {}, { 'x-api-key': value })).toBe('open'),
      );
    });
  });
});

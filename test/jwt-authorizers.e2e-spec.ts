import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type APIGatewayClient,
  BadRequestException,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  ImportRestApiCommand,
} from '@aws-sdk/client-api-gateway';
import { type FunctionRunner, startFunctionRunner } from '@portico/functions';
import type { RunningService } from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { exportJWK, generateKeyPair, type JWTPayload, type KeyLike, SignJWT } from 'jose';
import { request } from 'undici';
import { lambdaUri } from './support/rest-api-stack';
import { managementClient, startTestControl, startTestEdge } from './support/services';

const fn = lambdaUri;
const backend = `{ type: aws_proxy, httpMethod: POST, uri: '${fn('jwt-backend')}' }`;
const echoEmail = `{ type: mock, requestTemplates: { application/json: '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { application/json: '{"email":"$context.authorizer.claims.email","sub":"$context.authorizer.principalId"}' } } } }`;

/** The API, with the issuer and key set URLs of this run's local identity provider. */
const api = (issuer: string, jwksUri: string, hangingJwksUri: string) => `
openapi: 3.0.1
info: { title: JWT pets, version: '1' }
paths:
  /profile:
    get: { security: [{ idp: [] }], x-amazon-apigateway-integration: ${backend} }
  /orders:
    get: { security: [{ idp: [orders/read] }], x-amazon-apigateway-integration: ${backend} }
  /pool:
    get: { security: [{ pool: [] }], x-amazon-apigateway-integration: ${backend} }
  /mapped:
    get:
      security: [{ idp: [] }]
      responses: { '200': { description: ok } }
      x-amazon-apigateway-integration: ${echoEmail}
  /down:
    get: { security: [{ down: [] }], x-amazon-apigateway-integration: ${backend} }
components:
  securitySchemes:
    idp:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration: { issuer: '${issuer}', audience: [api] }
      x-portico-jwt: { jwksUri: '${jwksUri}' }
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: ['arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Local']
      x-portico-jwt: { issuer: '${issuer}', jwksUri: '${jwksUri}' }
    down:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        jwtConfiguration: { issuer: '${issuer}', audience: [api] }
      x-portico-jwt: { jwksUri: '${hangingJwksUri}' }
`;

interface Authorizer {
  principalId?: string;
  claims?: Record<string, string>;
}

/**
 * JWT and Cognito authorizers end to end: an API imported with the AWS SDK whose methods name a
 * `jwt` and a `cognito_user_pools` authorizer (keys from a local JWKS server), served by an edge
 * that verifies tokens signed here with jose and passes the claims to the function.
 */
describe('JWT authorizers', () => {
  let infra: TestInfra;
  let control: RunningService;
  let edge: RunningService;
  let runner: FunctionRunner;
  let keyServer: Server;
  let jwksRequests = 0;
  const hung: ServerResponse[] = [];
  let issuer = '';
  let privateKey: KeyLike;
  let apiId: string;
  let sdk: APIGatewayClient;
  const seen: Array<Authorizer | undefined> = [];

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    keyServer = createServer((req, res) => {
      if (req.url === '/hang') return void hung.push(res);
      jwksRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}`;

    infra = await startInfra();
    runner = await startFunctionRunner({
      natsUrl: infra.natsUrl,
      name: 'jwt-backend',
      handler: async (e: unknown) => {
        seen.push((e as { requestContext: { authorizer?: Authorizer } }).requestContext.authorizer);
        return { statusCode: 200, body: 'ok' };
      },
    });
    control = await startTestControl(infra);
    edge = await startTestEdge(infra, { JWKS_FETCH_TIMEOUT_MS: '300' });
    sdk = managementClient(control);
    const imported = await sdk.send(
      new ImportRestApiCommand({
        body: Buffer.from(api(issuer, `${issuer}/jwks.json`, `${issuer}/hang`)),
        failOnWarnings: true,
      }),
    );
    apiId = imported.id!;
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
    // Served once the stage is loaded: no token on an authorizer's method is 401, not 403.
    await eventually(async () => expect((await call('/profile')).status).toBe(401));
  });

  afterAll(async () => {
    sdk?.destroy();
    await Promise.allSettled([edge?.close(), control?.close()]);
    await runner?.close();
    await infra?.stop();
    for (const res of hung) res.destroy();
    keyServer?.closeAllConnections();
    await new Promise((resolve) => keyServer?.close(resolve));
  });

  async function call(path: string, token?: string) {
    const res = await request(
      `http://127.0.0.1:${edge.port}/restapis/${apiId}/prod/_user_request_${path}`,
      { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } },
    );
    return {
      status: res.statusCode,
      text: await res.body.text(),
      errorType: res.headers['x-amzn-errortype'],
    };
  }

  const now = () => Math.floor(Date.now() / 1000);
  function sign(claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
    const defaults = { iss: issuer, aud: 'api', iat: now(), exp: now() + 3600, sub: 'alice' };
    return new SignJWT({ ...defaults, email: 'alice@example.com', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header })
      .sign(privateKey);
  }

  it('admits a valid token and gives the function its sub and claims', async () => {
    expect(await call('/profile', await sign())).toMatchObject({ status: 200, text: 'ok' });
    expect(seen.at(-1)).toEqual({
      principalId: 'alice',
      claims: expect.objectContaining({
        sub: 'alice',
        email: 'alice@example.com',
        iss: issuer,
        aud: 'api',
      }) as unknown,
    });
  });

  it('gives mapping templates $context.authorizer.claims', async () => {
    const res = await call('/mapped', await sign({ email: 'bob@example.com', sub: 'bob' }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ email: 'bob@example.com', sub: 'bob' });
  });

  it('answers 401 Unauthorized, without reaching the function, for each bad token', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const claims = { iss: issuer, aud: 'api', sub: 'admin', exp: now() + 3600 };
    const valid = await sign();
    const [h, p, s] = valid.split('.') as [string, string, string];
    const cases: Record<string, string | undefined> = {
      missing: undefined,
      garbage: 'not-a-token',
      algNone: `${b64({ alg: 'none', kid: 'k1' })}.${b64(claims)}.`,
      algNoneCased: `${b64({ alg: 'nOnE', kid: 'k1' })}.${b64(claims)}.`,
      expired: await sign({ exp: now() - 3600 }),
      notYetValid: await sign({ nbf: now() + 3600 }),
      wrongAudience: await sign({ aud: 'someone-else' }),
      wrongIssuer: await sign({ iss: 'https://evil.example.com' }),
      unknownKid: await sign({}, { kid: '../../etc/passwd' }),
      tampered: `${h}.${b64({ ...claims, iat: now() })}.${s}`,
      tamperedSignature: `${h}.${p}.${s.slice(0, -4)}AAAA`,
    };
    const before = seen.length;
    for (const [name, token] of Object.entries(cases)) {
      expect({ name, res: await call('/profile', token) }).toEqual({
        name,
        res: {
          status: 401,
          text: '{"message":"Unauthorized"}',
          errorType: 'UnauthorizedException',
        },
      });
    }
    expect(seen.length).toBe(before);
  });

  it('answers 403 Forbidden when the token has none of the method scopes', async () => {
    const before = seen.length;
    expect(await call('/orders', await sign({ scope: 'profile' }))).toEqual({
      status: 403,
      text: '{"message":"Forbidden"}',
      errorType: 'ForbiddenException',
    });
    expect(seen.length).toBe(before);
    expect((await call('/orders', await sign({ scope: 'profile orders/read' }))).status).toBe(200);
  });

  it('runs a Cognito user pool authorizer against its stand-in issuer (ID tokens)', async () => {
    const id = await sign({ token_use: 'id', 'cognito:username': 'alice' });
    expect((await call('/pool', id)).status).toBe(200);
    expect(seen.at(-1)?.claims).toMatchObject({ 'cognito:username': 'alice', token_use: 'id' });
    expect(await call('/pool', await sign({ token_use: 'access' }))).toMatchObject({
      status: 401,
      text: '{"message":"Unauthorized"}',
    });
  });

  it('keeps the key set: tokens after the first fetch nothing', async () => {
    const token = await sign({ sub: 'cached' });
    expect((await call('/profile', token)).status).toBe(200);
    const fetched = jwksRequests;
    for (let i = 0; i < 5; i++) expect((await call('/profile', token)).status).toBe(200);
    expect(jwksRequests).toBe(fetched);
  });

  it('answers 500 {"message":null}, never 200, when the key set cannot be fetched', async () => {
    const before = seen.length;
    expect(await call('/down', await sign())).toMatchObject({
      status: 500,
      text: '{"message":null}',
    });
    expect(seen.length).toBe(before);
  });

  it('refuses at import a JWT authorizer that would take alg none, saying why', async () => {
    const bad = api(issuer, `${issuer}/jwks.json`, `${issuer}/hang`).replace(
      `x-portico-jwt: { jwksUri: '${issuer}/jwks.json' }`,
      `x-portico-jwt: { jwksUri: '${issuer}/jwks.json', algorithms: [RS256, none] }`,
    );
    const refused = sdk.send(new ImportRestApiCommand({ body: Buffer.from(bad) }));
    await expect(refused).rejects.toBeInstanceOf(BadRequestException);
    await expect(refused).rejects.toThrow(/Invalid authorizer 'idp'.*"none" is never accepted/);
  });

  it('CreateAuthorizer checks a Cognito authorizer as import does', async () => {
    const create = (arn: string) =>
      sdk.send(
        new CreateAuthorizerCommand({
          restApiId: apiId,
          name: `pool-${arn.length}`,
          type: 'COGNITO_USER_POOLS',
          identitySource: 'method.request.header.Authorization',
          providerARNs: [arn],
        }),
      );
    await expect(
      create('arn:aws:cognito-idp:us-east-1:123456789012:userpool/${stageVariables.pool}'),
    ).rejects.toThrow(/stage variables are not resolved/);
    await expect(
      create('arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Abc'),
    ).resolves.toMatchObject({ type: 'COGNITO_USER_POOLS' });
  });
});

import {
  type APIGatewayClient,
  BadRequestException,
  ConflictException,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  DeleteAuthorizerCommand,
  GetAuthorizerCommand,
  GetAuthorizersCommand,
  GetResourcesCommand,
  ImportRestApiCommand,
  NotFoundException,
  UpdateAuthorizerCommand,
  UpdateMethodCommand,
} from '@aws-sdk/client-api-gateway';
import { type FunctionRunner, startFunctionRunner } from '@portico/functions';
import type { RunningService } from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { request } from 'undici';
import { lambdaUri } from './support/rest-api-stack';
import { managementClient, startTestControl, startTestEdge } from './support/services';

const fn = lambdaUri;
const backend = `{ type: aws_proxy, httpMethod: POST, uri: '${fn('backend')}' }`;

const API = `
openapi: 3.0.1
info: { title: Authorized pets, version: '1' }
paths:
  /pets:
    get: { security: [{ tokenAuth: [] }], x-amazon-apigateway-integration: ${backend} }
  /owners:
    get: { security: [{ tokenAuth: [] }], x-amazon-apigateway-integration: ${backend} }
  /tenants:
    get: { security: [{ requestAuth: [] }], x-amazon-apigateway-integration: ${backend} }
  /absent:
    get: { security: [{ absentAuth: [] }], x-amazon-apigateway-integration: ${backend} }
  /iam:
    get: { security: [{ sigv4: [] }], x-amazon-apigateway-integration: ${backend} }
  /open:
    get: { x-amazon-apigateway-integration: ${backend} }
components:
  securitySchemes:
    tokenAuth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: ${fn('token-auth')}
        authorizerResultTtlInSeconds: 300
        identityValidationExpression: 'Bearer [a-z-]+'
    requestAuth:
      type: apiKey
      name: unused
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: ${fn('request-auth')}
        identitySource: method.request.header.X-User, method.request.querystring.tenant
        authorizerResultTtlInSeconds: 0
    absentAuth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer: { type: token, authorizerUri: ${fn('nobody-serves-this')} }
    sigv4:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: awsSigv4
`;

interface TokenEvent {
  type: string;
  authorizationToken: string;
  methodArn: string;
}

interface RequestEvent {
  type: string;
  methodArn: string;
  headers: Record<string, string>;
  queryStringParameters: Record<string, string>;
}

const policy = (effect: 'Allow' | 'Deny', resource: string) => ({
  Version: '2012-10-17',
  Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
});

/**
 * Function authorizers end to end: an API imported with the AWS SDK whose methods name TOKEN
 * and REQUEST authorizers (`x-amazon-apigateway-authorizer`), served by an edge that invokes
 * them through the function runner, caches their results and passes their context on.
 */
describe('function authorizers', () => {
  let infra: TestInfra;
  let control: RunningService;
  let edge: RunningService;
  const runners: FunctionRunner[] = [];
  let apiId: string;
  const tokenCalls: string[] = [];
  const requestCalls: RequestEvent[] = [];
  const seen: Array<Record<string, unknown> | undefined> = [];

  beforeAll(async () => {
    infra = await startInfra();
    runners.push(
      await startFunctionRunner({
        natsUrl: infra.natsUrl,
        name: 'token-auth',
        handler: async (e: unknown) => {
          const event = e as TokenEvent;
          tokenCalls.push(event.authorizationToken);
          const token = event.authorizationToken.replace('Bearer ', '');
          // arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}
          const stageArn = event.methodArn.split('/').slice(0, 2).join('/');
          const context = { tier: 'gold', n: 7, ok: true };
          switch (token) {
            case 'allow-pets':
              return {
                principalId: 'pets-user',
                policyDocument: policy('Allow', `${stageArn}/GET/pets`),
                context,
              };
            case 'deny':
              return { principalId: 'denied', policyDocument: policy('Deny', `${stageArn}/*`) };
            case 'unauthorized':
              throw new Error('Unauthorized');
            case 'broken':
              return { principalId: 'no-policy' };
            case 'slow':
              await new Promise((resolve) => setTimeout(resolve, 1_500));
              return { principalId: 'late', policyDocument: policy('Allow', `${stageArn}/*`) };
            default:
              return { principalId: token, policyDocument: policy('Allow', `${stageArn}/*`) };
          }
        },
      }),
      await startFunctionRunner({
        natsUrl: infra.natsUrl,
        name: 'request-auth',
        handler: async (e: unknown) => {
          const event = e as RequestEvent;
          requestCalls.push(event);
          return {
            principalId: event.headers['X-User'],
            policyDocument: policy('Allow', event.methodArn),
            context: { tenant: event.queryStringParameters.tenant },
          };
        },
      }),
      await startFunctionRunner({
        natsUrl: infra.natsUrl,
        name: 'backend',
        handler: async (e: unknown) => {
          seen.push(
            (e as { requestContext: { authorizer?: Record<string, unknown> } }).requestContext
              .authorizer,
          );
          return { statusCode: 200, body: 'ok' };
        },
      }),
    );
    control = await startTestControl(infra);
    edge = await startTestEdge(infra, { AUTHORIZER_TIMEOUT_MS: '300' });
    const sdk = managementClient(control);
    try {
      const api = await sdk.send(
        new ImportRestApiCommand({ body: Buffer.from(API), failOnWarnings: true }),
      );
      apiId = api.id!;
      await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
    } finally {
      sdk.destroy();
    }
    // Served once the stage is loaded: no token on an authorizer's method is 401, not 403/503.
    await eventually(async () => expect((await call('/pets')).status).toBe(401));
  });

  afterAll(async () => {
    await Promise.allSettled([edge?.close(), control?.close()]);
    await Promise.allSettled(runners.map((r) => r.close()));
    await infra?.stop();
  });

  async function call(path: string, headers: Record<string, string> = {}) {
    const res = await request(
      `http://127.0.0.1:${edge.port}/restapis/${apiId}/prod/_user_request_${path}`,
      {
        headers,
      },
    );
    lastErrorType = res.headers['x-amzn-errortype'];
    return { status: res.statusCode, text: await res.body.text() };
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  let lastErrorType: string | string[] | undefined;

  it('admits what the policy allows, and passes principalId and context to the integration', async () => {
    expect(await call('/pets', bearer('allow-pets'))).toEqual({ status: 200, text: 'ok' });
    expect(seen.at(-1)).toEqual({ principalId: 'pets-user', tier: 'gold', n: 7, ok: true });
  });

  it('caches a result by token for its TTL, and evaluates the cached policy for each method', async () => {
    const before = tokenCalls.length;
    expect((await call('/pets', bearer('allow-pets'))).status).toBe(200);
    expect(await call('/owners', bearer('allow-pets'))).toEqual({
      status: 403,
      text: '{"Message":"User is not authorized to access this resource"}',
    });
    expect(tokenCalls.length).toBe(before);
  });

  it('answers 401 without calling the function when the token is missing or does not match', async () => {
    const before = tokenCalls.length;
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Basic abc' },
      { authorization: 'Bearer UPPER' },
    ];
    for (const headers of attempts) {
      expect({ headers, res: await call('/pets', headers) }).toEqual({
        headers,
        res: { status: 401, text: '{"message":"Unauthorized"}' },
      });
    }
    expect(tokenCalls.length).toBe(before);
  });

  it('answers 403 for an explicit deny, 401 for Unauthorized, 500 for a broken authorizer', async () => {
    expect(await call('/pets', bearer('deny'))).toEqual({
      status: 403,
      text: '{"Message":"User is not authorized to access this resource with an explicit deny"}',
    });
    expect(await call('/pets', bearer('unauthorized'))).toEqual({
      status: 401,
      text: '{"message":"Unauthorized"}',
    });
    // As API Gateway answers an authorizer that returns something unusable.
    expect(await call('/pets', bearer('broken'))).toEqual({
      status: 500,
      text: '{"message":null}',
    });
    expect(lastErrorType).toBe('AuthorizerConfigurationException');
  });

  it('answers 500 when the authorizer does not answer within AUTHORIZER_TIMEOUT_MS, never 200', async () => {
    const before = seen.length;
    expect(await call('/pets', bearer('slow'))).toEqual({ status: 500, text: '{"message":null}' });
    expect(seen.length).toBe(before);
  });

  it('runs a REQUEST authorizer on every request with TTL 0, from headers and query string', async () => {
    const before = requestCalls.length;
    for (let i = 0; i < 2; i++) {
      expect((await call('/tenants?tenant=acme', { 'X-User': 'ann' })).status).toBe(200);
    }
    expect(requestCalls.length).toBe(before + 2);
    expect(requestCalls.at(-1)).toMatchObject({
      type: 'REQUEST',
      queryStringParameters: { tenant: 'acme' },
    });
    expect(seen.at(-1)).toEqual({ principalId: 'ann', tenant: 'acme' });
    expect((await call('/tenants', { 'X-User': 'ann' })).status).toBe(401);
    expect(requestCalls.length).toBe(before + 2);
  });

  it('gives concurrent requests with one identity a decision each when the TTL is 0', async () => {
    const before = requestCalls.length;
    const results = await Promise.all(
      ['/tenants?tenant=acme&n=1', '/tenants?tenant=acme&n=2', '/tenants?tenant=acme&n=3'].map(
        (path) => call(path, { 'X-User': 'bob' }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(requestCalls.length).toBe(before + 3);
    expect(
      requestCalls
        .slice(before)
        .map((e) => e.queryStringParameters.n)
        .sort(),
    ).toEqual(['1', '2', '3']);
  });

  it('answers 500 at once when no runner serves the authorizer, and never serves a badly signed AWS_IAM method', async () => {
    const before = seen.length;
    expect((await call('/absent', bearer('anyone'))).status).toBe(500);
    // AWS_IAM is test/iam.e2e-spec.ts's subject; here, only that it is not a way around auth.
    const iam = await call('/iam', { authorization: 'AWS4-HMAC-SHA256 Credential=x' });
    expect(iam.status).toBe(403);
    // Neither reached the backend.
    expect(seen.length).toBe(before);
  });

  describe('management with the AWS SDK', () => {
    let sdk: APIGatewayClient;
    beforeAll(() => {
      sdk = managementClient(control);
    });
    afterAll(() => sdk?.destroy());
    const byName = async (name: string) =>
      (await sdk.send(new GetAuthorizersCommand({ restApiId: apiId }))).items?.find(
        (a) => a.name === name,
      );

    it('lists the authorizers an imported document declares, with stable ids', async () => {
      const items = (await sdk.send(new GetAuthorizersCommand({ restApiId: apiId }))).items ?? [];
      expect(items.map((a) => a.name).sort()).toEqual(['absentAuth', 'requestAuth', 'tokenAuth']);
      const token = items.find((a) => a.name === 'tokenAuth')!;
      expect(token).toMatchObject({
        type: 'TOKEN',
        authType: 'custom',
        identitySource: 'method.request.header.Authorization',
        identityValidationExpression: 'Bearer [a-z-]+',
        authorizerResultTtlInSeconds: 300,
      });
      const again = await sdk.send(
        new GetAuthorizerCommand({ restApiId: apiId, authorizerId: token.id }),
      );
      expect(again).toMatchObject({ id: token.id, name: 'tokenAuth' });
    });

    it('creates, updates and deletes one, and refuses what AWS refuses', async () => {
      const created = await sdk.send(
        new CreateAuthorizerCommand({
          restApiId: apiId,
          name: 'made',
          type: 'REQUEST',
          authorizerUri: fn('request-auth'),
          identitySource: 'method.request.header.X-User',
          authorizerResultTtlInSeconds: 60,
        }),
      );
      expect(created).toMatchObject({
        name: 'made',
        type: 'REQUEST',
        authorizerResultTtlInSeconds: 60,
      });
      await expect(
        sdk.send(
          new CreateAuthorizerCommand({
            restApiId: apiId,
            name: 'made',
            type: 'TOKEN',
            authorizerUri: fn('x'),
          }),
        ),
      ).rejects.toBeInstanceOf(ConflictException);
      // A REQUEST authorizer that caches needs an identity source.
      await expect(
        sdk.send(
          new CreateAuthorizerCommand({
            restApiId: apiId,
            name: 'noid',
            type: 'REQUEST',
            authorizerUri: fn('x'),
          }),
        ),
      ).rejects.toBeInstanceOf(BadRequestException);
      const updated = await sdk.send(
        new UpdateAuthorizerCommand({
          restApiId: apiId,
          authorizerId: created.id,
          patchOperations: [
            { op: 'replace', path: '/authorizerResultTtlInSeconds', value: '0' },
            { op: 'replace', path: '/name', value: 'renamed' },
          ],
        }),
      );
      expect(updated).toMatchObject({ name: 'renamed', authorizerResultTtlInSeconds: 0 });
      expect(await byName('made')).toBeUndefined();
      await sdk.send(new DeleteAuthorizerCommand({ restApiId: apiId, authorizerId: updated.id }));
      await expect(
        sdk.send(new GetAuthorizerCommand({ restApiId: apiId, authorizerId: updated.id })),
      ).rejects.toBeInstanceOf(NotFoundException);
    });

    it('answers an unknown API NotFound and a patch path it does not know BadRequest', async () => {
      await expect(
        sdk.send(new GetAuthorizersCommand({ restApiId: 'nosuchapi0' })),
      ).rejects.toBeInstanceOf(NotFoundException);
      const token = (await byName('tokenAuth'))!;
      await expect(
        sdk.send(
          new UpdateAuthorizerCommand({
            restApiId: apiId,
            authorizerId: token.id,
            patchOperations: [{ op: 'replace', path: '/authorizerCredentials', value: 'x' }],
          }),
        ),
      ).rejects.toBeInstanceOf(BadRequestException);
      await expect(
        sdk.send(
          new UpdateAuthorizerCommand({
            restApiId: apiId,
            authorizerId: token.id,
            patchOperations: [
              { op: 'replace', path: '/authorizerResultTtlInSeconds', value: 'soon' },
            ],
          }),
        ),
      ).rejects.toBeInstanceOf(BadRequestException);
    });

    it('refuses to delete or rename an authorizer a method uses', async () => {
      const token = (await byName('tokenAuth'))!;
      await expect(
        sdk.send(new DeleteAuthorizerCommand({ restApiId: apiId, authorizerId: token.id })),
      ).rejects.toThrow(/referenced in method: GET \/(pets|owners)/);
      await expect(
        sdk.send(
          new UpdateAuthorizerCommand({
            restApiId: apiId,
            authorizerId: token.id,
            patchOperations: [{ op: 'replace', path: '/name', value: 'other' }],
          }),
        ),
      ).rejects.toBeInstanceOf(BadRequestException);
    });

    it('changes what the edge does with the next deployment', async () => {
      const token = (await byName('tokenAuth'))!;
      await sdk.send(
        new UpdateAuthorizerCommand({
          restApiId: apiId,
          authorizerId: token.id,
          patchOperations: [{ op: 'replace', path: '/authorizerResultTtlInSeconds', value: '0' }],
        }),
      );
      await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
      await eventually(async () => {
        const before = tokenCalls.length;
        expect((await call('/pets', bearer('fresh-token'))).status).toBe(200);
        expect((await call('/pets', bearer('fresh-token'))).status).toBe(200);
        // No caching any more: both requests asked the function.
        expect(tokenCalls.length).toBe(before + 2);
      });
    });

    it('attaches the TOKEN authorizer to an open method with UpdateMethod, served from the next deployment', async () => {
      expect(await call('/open')).toEqual({ status: 200, text: 'ok' });
      const resources = await sdk.send(new GetResourcesCommand({ restApiId: apiId }));
      const open = resources.items!.find((r) => r.path === '/open')!;
      const token = (await byName('tokenAuth'))!;
      const method = await sdk.send(
        new UpdateMethodCommand({
          restApiId: apiId,
          resourceId: open.id,
          httpMethod: 'GET',
          patchOperations: [
            { op: 'replace', path: '/authorizationType', value: 'CUSTOM' },
            { op: 'replace', path: '/authorizerId', value: token.id },
          ],
        }),
      );
      expect(method).toMatchObject({ authorizationType: 'CUSTOM', authorizerId: token.id });
      // Not served before the deployment, as on AWS.
      expect((await call('/open')).status).toBe(200);
      await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
      await eventually(async () =>
        expect(await call('/open')).toEqual({ status: 401, text: '{"message":"Unauthorized"}' }),
      );
      const before = tokenCalls.length;
      expect(await call('/open', bearer('open-user'))).toEqual({ status: 200, text: 'ok' });
      expect(tokenCalls.slice(before)).toEqual(['Bearer open-user']);
      expect(seen.at(-1)).toMatchObject({ principalId: 'open-user' });
    });
  });
});

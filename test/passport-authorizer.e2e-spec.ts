import { type FunctionRunner, passportAuthorizer, startFunctionRunner } from '@portico/functions';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { lambdaUri, type RestApiStack, startRestApiStack } from './support/rest-api-stack';

const backend = `{ type: aws_proxy, httpMethod: POST, uri: '${lambdaUri('backend')}' }`;

const API = `
openapi: 3.0.1
info: { title: Passport pets, version: '1' }
paths:
  /pets:
    get: { security: [{ bearer: [] }], x-amazon-apigateway-integration: ${backend} }
  /owners:
    get: { security: [{ bearer: [] }], x-amazon-apigateway-integration: ${backend} }
  /reports:
    get: { security: [{ apiKey: [] }], x-amazon-apigateway-integration: ${backend} }
components:
  securitySchemes:
    bearer:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: ${lambdaUri('passport-bearer')}
        authorizerResultTtlInSeconds: 300
    apiKey:
      type: apiKey
      name: unused
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: ${lambdaUri('passport-api-key')}
        identitySource: method.request.header.X-Client-Key
        authorizerResultTtlInSeconds: 0
`;

interface User {
  id: string;
  plan: string;
  roles: string[];
}
const USERS: Record<string, User> = {
  'tok-alice': { id: 'alice', plan: 'gold', roles: ['reader', 'writer'] },
};

/**
 * A passport strategy (passport-http-bearer) served by the function runner as a TOKEN
 * authorizer through passportAuthorizer, in front of a real edge: the principal and context
 * reach the integration, a token the strategy fails is 401, a strategy error 500.
 */
describe('passport strategies as authorizers', () => {
  let infra: TestInfra;
  let stack: RestApiStack;
  const runners: FunctionRunner[] = [];
  const verified: string[] = [];
  const seen: Array<Record<string, unknown> | undefined> = [];

  beforeAll(async () => {
    infra = await startInfra();
    const bearer = new BearerStrategy((token, done) => {
      verified.push(token);
      if (token === 'tok-store-down') return done(new Error('user store unreachable'));
      const user = USERS[token];
      return user ? done(null, user) : done(null, false);
    });
    const apiKey = new HeaderAPIKeyStrategy(
      { header: 'X-Client-Key', prefix: '' },
      true,
      (key, done, req) => {
        const { ip, method, path } = req as unknown as { ip: string; method: string; path: string };
        return key === 'key-reports'
          ? done(null, { sub: 'reporting', seenAs: `${method} ${path} from ${ip}` })
          : done(null, false);
      },
    );
    runners.push(
      await startFunctionRunner({
        natsUrl: infra.natsUrl,
        name: 'passport-api-key',
        handler: passportAuthorizer<{ sub: string; seenAs: string }>(apiKey, {
          context: (user) => ({ seenAs: user.seenAs }),
        }),
      }),
      await startFunctionRunner({
        natsUrl: infra.natsUrl,
        name: 'passport-bearer',
        handler: passportAuthorizer<User>(bearer, {
          context: (user) => ({ plan: user.plan, roles: user.roles }),
          logger: { warn: () => undefined },
        }),
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
    stack = await startRestApiStack(infra, API);
    await eventually(async () => expect((await call('/pets')).status).toBe(401));
  });

  afterAll(async () => {
    await stack?.close();
    await Promise.allSettled(runners.map((r) => r.close()));
    await infra?.stop();
  });

  const call = (path: string, headers?: Record<string, string>) => stack.call(path, headers);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('lets a valid bearer token through, with the principal and a flat context', async () => {
    expect(await call('/pets', bearer('tok-alice'))).toMatchObject({ status: 200, text: 'ok' });
    expect(seen.at(-1)).toEqual({
      principalId: 'alice',
      plan: 'gold',
      roles: '["reader","writer"]',
    });
  });

  it("allows the token's other methods from the cached stage-wide policy", async () => {
    const before = verified.length;
    expect(await call('/owners', bearer('tok-alice'))).toMatchObject({ status: 200 });
    expect(verified.length).toBe(before);
    expect(seen.at(-1)).toMatchObject({ principalId: 'alice' });
  });

  it('answers 401 to a token the strategy fails', async () => {
    const backendCalls = seen.length;
    expect(await call('/pets', bearer('tok-mallory'))).toMatchObject({
      status: 401,
      text: '{"message":"Unauthorized"}',
    });
    expect(verified.at(-1)).toBe('tok-mallory');
    expect(seen.length).toBe(backendCalls);
  });

  it('answers 500 when the strategy errors', async () => {
    const backendCalls = seen.length;
    const res = await call('/pets', bearer('tok-store-down'));
    expect(res).toMatchObject({ status: 500, errorType: 'AuthorizerConfigurationException' });
    expect(verified.at(-1)).toBe('tok-store-down');
    expect(seen.length).toBe(backendCalls);
  });

  it('runs a REQUEST authorizer strategy over the request: its headers, method, path and source IP', async () => {
    expect(await call('/reports', { 'X-Client-Key': 'key-reports' })).toMatchObject({
      status: 200,
    });
    expect(seen.at(-1)).toEqual({
      principalId: 'reporting',
      seenAs: 'GET /reports from 127.0.0.1',
    });
    expect(await call('/reports', { 'X-Client-Key': 'key-other' })).toMatchObject({
      status: 401,
      text: '{"message":"Unauthorized"}',
    });
  });
});

import {
  type APIGatewayClient,
  BadRequestException,
  CreateDeploymentCommand,
  DeleteAuthorizerCommand,
  GetAuthorizersCommand,
  GetExportCommand,
  GetMethodCommand,
  GetResourceCommand,
  GetResourcesCommand,
  ImportRestApiCommand,
  NotFoundException,
  type PatchOperation,
  UpdateAuthorizerCommand,
  UpdateMethodCommand,
} from '@aws-sdk/client-api-gateway';
import { type ControlUnderTest, startControlUnderTest } from './control-harness';

const fn = (name: string) =>
  `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${name}/invocations`;
const mock = `{ type: mock, requestTemplates: { application/json: '{"statusCode": 200}' }, responses: { default: { statusCode: '200' } } }`;

const API = `
openapi: 3.0.1
info: { title: Methods, version: '1' }
paths:
  /pets:
    get:
      operationId: listPets
      responses: { '200': { description: OK } }
      x-amazon-apigateway-integration: ${mock}
    post:
      security: [{ tokenAuth: [] }]
      responses: { '200': { description: OK } }
      x-amazon-apigateway-integration: ${mock}
  /admin:
    get:
      security: [{ sigv4: [] }]
      responses: { '200': { description: OK } }
      x-amazon-apigateway-integration: ${mock}
components:
  securitySchemes:
    tokenAuth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer: { type: token, authorizerUri: '${fn('token-auth')}' }
    requestAuth:
      type: apiKey
      name: unused
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: '${fn('request-auth')}'
        identitySource: method.request.header.X-User
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: ['arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Local']
      x-portico-jwt: { issuer: 'https://issuer.test', jwksUri: 'https://issuer.test/jwks.json' }
    httpJwt:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        jwtConfiguration: { issuer: 'https://issuer.test', audience: [api] }
      x-portico-jwt: { jwksUri: 'https://issuer.test/jwks.json' }
    sigv4:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: awsSigv4
`;

describe('GetResource, GetMethod and UpdateMethod (AWS SDK)', () => {
  let t: ControlUnderTest;
  let sdk: APIGatewayClient;
  let apiId: string;
  const resourceIds: Record<string, string> = {};
  const authorizerIds: Record<string, string> = {};

  beforeAll(async () => {
    t = await startControlUnderTest();
    sdk = t.sdk;
    const api = await sdk.send(
      new ImportRestApiCommand({ body: Buffer.from(API), failOnWarnings: true }),
    );
    apiId = api.id!;
    const resources = await sdk.send(new GetResourcesCommand({ restApiId: apiId }));
    for (const r of resources.items ?? []) resourceIds[r.path!] = r.id!;
    const authorizers = await sdk.send(new GetAuthorizersCommand({ restApiId: apiId }));
    for (const a of authorizers.items ?? []) authorizerIds[a.name!] = a.id!;
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
  });

  afterAll(async () => {
    await t?.close();
  });

  const update = (path: string, httpMethod: string, ...patchOperations: PatchOperation[]) =>
    sdk.send(
      new UpdateMethodCommand({
        restApiId: apiId,
        resourceId: resourceIds[path],
        httpMethod,
        patchOperations,
      }),
    );
  const getMethod = (path: string, httpMethod: string) =>
    sdk.send(new GetMethodCommand({ restApiId: apiId, resourceId: resourceIds[path], httpMethod }));
  /** The method as stored, without the response's request metadata. */
  const storedMethod = async (path: string, httpMethod: string) => {
    const { $metadata: _metadata, ...method } = await getMethod(path, httpMethod);
    return method;
  };

  /** The error an update fails with (and a failed test when it succeeds). */
  const updateError = (
    path: string,
    httpMethod: string,
    ...patchOperations: PatchOperation[]
  ): Promise<{ name: string; message: string }> =>
    update(path, httpMethod, ...patchOperations).then(
      () => {
        throw new Error('UpdateMethod succeeded but should have failed');
      },
      (err: { name: string; message: string }) => err,
    );

  const exportedOperation = async (path: string, method: string) => {
    const out = await sdk.send(
      new GetExportCommand({
        restApiId: apiId,
        stageName: 'prod',
        exportType: 'oas30',
        accepts: 'application/json',
        parameters: { extensions: 'authorizers' },
      }),
    );
    const doc = JSON.parse(new TextDecoder().decode(out.body)) as {
      paths: Record<string, Record<string, { security?: unknown; operationId?: string }>>;
    };
    return doc.paths[path]![method]!;
  };

  it('answers GetMethod with the authorizer id of the scheme a method names', async () => {
    expect(await getMethod('/pets', 'POST')).toMatchObject({
      httpMethod: 'POST',
      authorizationType: 'CUSTOM',
      authorizerId: authorizerIds.tokenAuth,
      apiKeyRequired: false,
      methodIntegration: { type: 'MOCK' },
    });
    const open = await getMethod('/pets', 'GET');
    expect(open).toMatchObject({ authorizationType: 'NONE', operationName: 'listPets' });
    expect(open.authorizerId).toBeUndefined();
    // An AWS_IAM method names a SigV4 scheme, which is not an authorizer.
    const iam = await getMethod('/admin', 'GET');
    expect(iam.authorizationType).toBe('AWS_IAM');
    expect(iam.authorizerId).toBeUndefined();
  });

  it('answers GetResource, with its methods when embed=methods', async () => {
    const plain = await sdk.send(
      new GetResourceCommand({ restApiId: apiId, resourceId: resourceIds['/pets'] }),
    );
    expect(plain).toMatchObject({ id: resourceIds['/pets'], path: '/pets', pathPart: 'pets' });
    expect(plain.resourceMethods).toEqual({ GET: {}, POST: {} });
    const embedded = await sdk.send(
      new GetResourceCommand({
        restApiId: apiId,
        resourceId: resourceIds['/pets'],
        embed: ['methods'],
      }),
    );
    expect(embedded.resourceMethods?.POST).toMatchObject({
      authorizationType: 'CUSTOM',
      authorizerId: authorizerIds.tokenAuth,
    });
  });

  it('answers an unknown API, resource or method with NotFound in AWS words', async () => {
    await expect(
      sdk.send(
        new GetMethodCommand({
          restApiId: 'nosuchapi0',
          resourceId: resourceIds['/pets'],
          httpMethod: 'GET',
        }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      sdk.send(new GetResourceCommand({ restApiId: apiId, resourceId: 'nosuchres' })),
    ).rejects.toThrow('Invalid Resource identifier specified');
    await expect(
      sdk.send(
        new GetMethodCommand({ restApiId: apiId, resourceId: 'nosuchres', httpMethod: 'GET' }),
      ),
    ).rejects.toThrow('Invalid Resource identifier specified');
    await expect(getMethod('/pets', 'DELETE')).rejects.toThrow(
      'Invalid Method identifier specified',
    );
    const err = await updateError('/admin', 'PUT', {
      op: 'replace',
      path: '/apiKeyRequired',
      value: 'true',
    });
    expect(err).toBeInstanceOf(NotFoundException);
    expect(err.message).toBe('Invalid Method identifier specified');
  });

  it('attaches a TOKEN authorizer to an open method, and serves it from the next deployment', async () => {
    const updated = await update(
      '/pets',
      'GET',
      { op: 'replace', path: '/authorizationType', value: 'CUSTOM' },
      { op: 'replace', path: '/authorizerId', value: authorizerIds.tokenAuth },
    );
    expect(updated).toMatchObject({
      authorizationType: 'CUSTOM',
      authorizerId: authorizerIds.tokenAuth,
    });
    expect(await getMethod('/pets', 'GET')).toMatchObject({
      authorizerId: authorizerIds.tokenAuth,
    });
    // The stage still serves its deployment: no security on the exported operation yet.
    expect((await exportedOperation('/pets', 'get')).security).toBeUndefined();
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
    expect((await exportedOperation('/pets', 'get')).security).toEqual([{ tokenAuth: [] }]);
  });

  it('moves a CUSTOM method to another function authorizer with /authorizerId alone', async () => {
    const updated = await update('/pets', 'GET', {
      op: 'replace',
      path: '/authorizerId',
      value: authorizerIds.requestAuth,
    });
    expect(updated).toMatchObject({
      authorizationType: 'CUSTOM',
      authorizerId: authorizerIds.requestAuth,
    });
  });

  it('attaches a Cognito authorizer with scopes, adds and removes scopes one at a time', async () => {
    const updated = await update(
      '/pets',
      'GET',
      { op: 'add', path: '/authorizationScopes', value: 'pets/read' },
      { op: 'replace', path: '/authorizerId', value: authorizerIds.pool },
      { op: 'add', path: '/authorizationScopes', value: 'pets/write' },
      { op: 'replace', path: '/authorizationType', value: 'COGNITO_USER_POOLS' },
    );
    expect(updated).toMatchObject({
      authorizationType: 'COGNITO_USER_POOLS',
      authorizerId: authorizerIds.pool,
      authorizationScopes: ['pets/read', 'pets/write'],
    });
    const removed = await update('/pets', 'GET', {
      op: 'remove',
      path: '/authorizationScopes',
      value: 'pets/read',
    });
    expect(removed.authorizationScopes).toEqual(['pets/write']);
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
    expect((await exportedOperation('/pets', 'get')).security).toEqual([{ pool: ['pets/write'] }]);
  });

  it('refuses a type without an authorizer of its kind, all operations or none', async () => {
    const before = await storedMethod('/pets', 'GET');
    const cases: PatchOperation[][] = [
      // CUSTOM names a Cognito authorizer.
      [{ op: 'replace', path: '/authorizationType', value: 'CUSTOM' }],
      // A Cognito method given a TOKEN authorizer.
      [{ op: 'replace', path: '/authorizerId', value: authorizerIds.tokenAuth }],
      // The HTTP API's JWT authorizer fits no REST type.
      [
        { op: 'replace', path: '/authorizationType', value: 'CUSTOM' },
        { op: 'replace', path: '/authorizerId', value: authorizerIds.httpJwt },
      ],
      [{ op: 'replace', path: '/authorizationType', value: 'JWT' }],
      [{ op: 'remove', path: '/authorizerId' }],
      [{ op: 'replace', path: '/authorizerId', value: 'nosuchauth' }],
      // An authorizer on a method without authorization.
      [
        { op: 'replace', path: '/authorizationType', value: 'NONE' },
        { op: 'replace', path: '/authorizerId', value: authorizerIds.tokenAuth },
      ],
      // Scopes on a CUSTOM method.
      [
        { op: 'replace', path: '/apiKeyRequired', value: 'true' },
        { op: 'replace', path: '/authorizationType', value: 'CUSTOM' },
        { op: 'replace', path: '/authorizerId', value: authorizerIds.tokenAuth },
        { op: 'add', path: '/authorizationScopes', value: 'pets/admin' },
      ],
    ];
    for (const ops of cases) {
      const err = await updateError('/pets', 'GET', ...ops);
      expect({ ops, err: err.name }).toEqual({ ops, err: 'BadRequestException' });
    }
    const custom = await updateError('/pets', 'GET', {
      op: 'replace',
      path: '/authorizationType',
      value: 'CUSTOM',
    });
    expect(custom.message).toMatch(/^Invalid authorizer ID specified\./);
    const none = await updateError('/admin', 'GET', {
      op: 'replace',
      path: '/authorizationType',
      value: 'CUSTOM',
    });
    expect(none.message).toBe(
      'Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.',
    );
    expect(await storedMethod('/pets', 'GET')).toEqual(before);
  });

  it('refuses unknown paths and ops, and bad values', async () => {
    const cases: Array<[PatchOperation, RegExp]> = [
      [
        { op: 'replace', path: '/requestModels', value: 'x' },
        /^Invalid patch path \/requestModels/,
      ],
      [{ op: 'add', path: '/authorizationType', value: 'NONE' }, /Must be one of: \[replace\]/],
      [{ op: 'move', path: '/operationName', value: 'x' }, /Invalid patch operation/],
      [{ op: 'replace', path: '/apiKeyRequired', value: 'yes' }, /apiKeyRequired/],
      [{ op: 'replace', path: '/authorizationType' }, /required/],
      [{ op: 'add', path: '/authorizationScopes', value: '' }, /Invalid authorization scope/],
    ];
    for (const [op, message] of cases) {
      const err = await updateError('/pets', 'POST', op);
      expect(err).toBeInstanceOf(BadRequestException);
      expect(err.message).toMatch(message);
    }
  });

  it('sets apiKeyRequired and operationName, and exports them', async () => {
    const updated = await update(
      '/pets',
      'POST',
      { op: 'replace', path: '/apiKeyRequired', value: 'true' },
      { op: 'replace', path: '/operationName', value: 'createPet' },
    );
    expect(updated).toMatchObject({ apiKeyRequired: true, operationName: 'createPet' });
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
    const op = await exportedOperation('/pets', 'post');
    expect(op.operationId).toBe('createPet');
    expect(op.security).toEqual([{ tokenAuth: [], api_key: [] }]);
    const off = await update(
      '/pets',
      'POST',
      { op: 'replace', path: '/apiKeyRequired', value: 'false' },
      { op: 'remove', path: '/operationName' },
    );
    expect(off.apiKeyRequired).toBe(false);
    expect(off.operationName).toBeUndefined();
  });

  it('drops the authorizer and scopes when a method becomes NONE or AWS_IAM', async () => {
    const iam = await update('/pets', 'GET', {
      op: 'replace',
      path: '/authorizationType',
      value: 'AWS_IAM',
    });
    expect(iam.authorizationType).toBe('AWS_IAM');
    expect(iam.authorizerId).toBeUndefined();
    expect(iam.authorizationScopes).toBeUndefined();
    const none = await update('/pets', 'GET', {
      op: 'replace',
      path: '/authorizationType',
      value: 'NONE',
    });
    expect(none).toMatchObject({ authorizationType: 'NONE' });
    await sdk.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod' }));
    expect((await exportedOperation('/pets', 'get')).security).toBeUndefined();
  });

  it('keeps an authorizer attached by UpdateMethod from being deleted or renamed', async () => {
    await update(
      '/admin',
      'GET',
      { op: 'replace', path: '/authorizationType', value: 'CUSTOM' },
      { op: 'replace', path: '/authorizerId', value: authorizerIds.requestAuth },
    );
    const id = authorizerIds.requestAuth;
    await expect(
      sdk.send(new DeleteAuthorizerCommand({ restApiId: apiId, authorizerId: id })),
    ).rejects.toThrow(
      "Cannot delete authorizer 'requestAuth', is referenced in method: GET /admin",
    );
    await expect(
      sdk.send(
        new UpdateAuthorizerCommand({
          restApiId: apiId,
          authorizerId: id,
          patchOperations: [{ op: 'replace', path: '/name', value: 'renamed' }],
        }),
      ),
    ).rejects.toBeInstanceOf(BadRequestException);
    // Detached, it can go.
    await update('/admin', 'GET', { op: 'replace', path: '/authorizationType', value: 'NONE' });
    await sdk.send(new DeleteAuthorizerCommand({ restApiId: apiId, authorizerId: id }));
    const left = await sdk.send(new GetAuthorizersCommand({ restApiId: apiId }));
    expect(left.items?.map((a) => a.name)).not.toContain('requestAuth');
  });
});

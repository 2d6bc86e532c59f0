import { oas3, operation, swagger2 } from './fixtures/test-documents';
import { importOpenApi } from './openapi-import';

describe('importOpenApi: mapping details', () => {
  it('gives a resource the same id whatever document it comes from', async () => {
    const a = await importOpenApi(oas3({ '/a/b': { get: operation() } }));
    const b = await importOpenApi(
      oas3({ '/a/b': { post: operation() }, '/z': { get: operation() } }),
    );
    const idsA = a.definition.resources.map((r) => [r.path, r.id]);
    const idsB = new Map(b.definition.resources.map((r) => [r.path, r.id]));
    for (const [path, id] of idsA) expect(idsB.get(path!)).toBe(id);
    expect(new Set(b.definition.resources.map((r) => r.id)).size).toBe(
      b.definition.resources.length,
    );
  });

  it('resolves local $refs to parameters, responses and request bodies', async () => {
    const doc = oas3(
      {
        '/items/{id}': {
          parameters: [{ $ref: '#/components/parameters/Id' }],
          put: operation(undefined, {
            parameters: [{ $ref: '#/components/parameters/Trace' }],
            requestBody: { $ref: '#/components/requestBodies/Item' },
            responses: { '200': { $ref: '#/components/responses/Ok' } },
            'x-amazon-apigateway-integration': {
              type: 'http_proxy',
              httpMethod: 'PUT',
              uri: 'https://backend.internal/items/{id}',
            },
          }),
        },
      },
      {
        components: {
          parameters: {
            Id: { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            Trace: { name: 'X-Trace', in: 'header', required: true, schema: { type: 'string' } },
          },
          requestBodies: {
            Item: {
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
            },
          },
          responses: {
            Ok: {
              description: 'ok',
              headers: { ETag: { $ref: '#/components/headers/ETag' } },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
            },
          },
          headers: { ETag: { required: true, schema: { type: 'string' } } },
          schemas: { Item: { type: 'object' } },
        },
      },
    );
    const { definition } = await importOpenApi(doc);
    const put = definition.resources.find((r) => r.path === '/items/{id}')!.methods.PUT!;
    expect(put.requestParameters).toEqual({
      'method.request.path.id': true,
      'method.request.header.X-Trace': true,
    });
    expect(put.methodResponses).toEqual([
      {
        statusCode: '200',
        responseParameters: { 'method.response.header.ETag': true },
        responseModels: { 'application/json': 'Item' },
      },
    ]);
    expect(put.raw.requestBody).toEqual({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
    });
  });

  it('applies document-level security and a default request validator to every method', async () => {
    const { definition } = await importOpenApi(
      oas3(
        { '/a': { get: operation() }, '/b': { get: operation(undefined, { security: [] }) } },
        {
          security: [{ key: [] }],
          components: {
            securitySchemes: { key: { type: 'apiKey', name: 'x-api-key', in: 'header' } },
          },
          'x-amazon-apigateway-request-validators': {
            all: { validateRequestBody: true, validateRequestParameters: true },
          },
          'x-amazon-apigateway-request-validator': 'all',
        },
      ),
    );
    const [, a, b] = definition.resources;
    expect(a!.methods.GET).toMatchObject({ apiKeyRequired: true, requestValidator: 'all' });
    // An explicit empty security list switches the document's requirement off.
    expect(b!.methods.GET).toMatchObject({ apiKeyRequired: false, requestValidator: 'all' });
  });

  it('maps IAM and Cognito authorization', async () => {
    const { definition } = await importOpenApi(
      oas3(
        {
          '/iam': {
            get: operation(undefined, {
              'x-amazon-apigateway-auth': { type: 'aws_iam' },
              'x-amazon-apigateway-integration': { type: 'mock' },
            }),
          },
          '/sigv4': {
            get: operation(undefined, {
              security: [{ sigv4: [] }],
              'x-amazon-apigateway-integration': { type: 'mock' },
            }),
          },
          '/cognito': {
            get: operation(undefined, {
              security: [{ pool: ['email', 'openid'] }],
              'x-amazon-apigateway-integration': { type: 'mock' },
            }),
          },
        },
        {
          components: {
            securitySchemes: {
              sigv4: {
                type: 'apiKey',
                name: 'Authorization',
                in: 'header',
                'x-amazon-apigateway-authtype': 'awsSigv4',
              },
              pool: {
                type: 'apiKey',
                name: 'Authorization',
                in: 'header',
                'x-amazon-apigateway-authtype': 'cognito_user_pools',
                'x-amazon-apigateway-authorizer': {
                  type: 'cognito_user_pools',
                  providerARNs: ['arn:aws:cognito-idp:us-east-1:1:userpool/x'],
                },
              },
            },
          },
        },
      ),
    );
    const byPath = new Map(definition.resources.map((r) => [r.path, r.methods.GET]));
    expect(byPath.get('/iam')).toMatchObject({ authorizationType: 'AWS_IAM' });
    expect(byPath.get('/iam')!.authorizerName).toBeUndefined();
    expect(byPath.get('/sigv4')).toMatchObject({
      authorizationType: 'AWS_IAM',
      authorizerName: 'sigv4',
    });
    expect(byPath.get('/cognito')).toMatchObject({
      authorizationType: 'COGNITO_USER_POOLS',
      authorizerName: 'pool',
      authorizationScopes: ['email', 'openid'],
    });
  });

  it('warns about unknown API Gateway extensions and unenforced security, and keeps them', async () => {
    const { definition, warnings } = await importOpenApi(
      oas3(
        {
          '/a': {
            get: operation(undefined, {
              security: [{ bearer: [] }],
              'x-amazon-apigateway-integration': { type: 'mock' },
              'x-amazon-apigateway-shiny': 1,
            }),
          },
        },
        {
          'x-amazon-apigateway-frobnicate': { on: true },
          components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        },
      ),
    );
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain("'x-amazon-apigateway-frobnicate'");
    expect(warnings.some((w) => w.includes("'x-amazon-apigateway-shiny'"))).toBe(true);
    expect(warnings.some((w) => w.includes("security scheme 'bearer'"))).toBe(true);
    expect(definition.extensions['x-amazon-apigateway-frobnicate']).toEqual({ on: true });
    expect(definition.resources[1]!.methods.GET!.authorizationType).toBe('NONE');
  });

  it('accepts a bare function name and a plain Lambda ARN for aws_proxy, defaulting httpMethod to POST', async () => {
    const { definition } = await importOpenApi(
      oas3({
        '/a': { get: operation({ type: 'AWS_PROXY', uri: 'pets-handler' }) },
        '/b': {
          get: operation({
            type: 'aws_proxy',
            uri: 'arn:aws:lambda:eu-west-1:123456789012:function:b-fn:prod',
          }),
        },
      }),
    );
    expect(definition.resources[1]!.methods.GET!.integration).toMatchObject({
      httpMethod: 'POST',
      uri: 'pets-handler',
    });
    expect(definition.resources[2]!.methods.GET!.integration.type).toBe('AWS_PROXY');
  });

  it('accepts stage variables for the host, the port or the whole backend', async () => {
    const uris = [
      'http://${stageVariables.host}/pets',
      'https://backend.internal:${stageVariables.port}/pets/{id}',
      'http://${stageVariables.host}:${stageVariables.port}',
      '${stageVariables.backend}/pets',
    ];
    const paths = Object.fromEntries(
      uris.map((uri, i) => [`/p${i}`, { get: operation({ type: 'http_proxy', uri }) }]),
    );
    const { definition } = await importOpenApi(oas3(paths));
    expect(definition.resources.slice(1).map((r) => r.methods.GET!.integration.uri)).toEqual(uris);
  });

  it('accepts operations with empty or no responses, as AWS exports them', async () => {
    const { responses: _r, ...noResponses } = operation();
    for (const doc of [oas3, swagger2]) {
      const { definition } = await importOpenApi(
        doc({ '/a': { get: { ...noResponses, responses: {} } }, '/b': { get: noResponses } }),
      );
      expect(definition.resources.slice(1).map((r) => r.methods.GET!.methodResponses)).toEqual([
        [],
        [],
      ]);
    }
  });

  it('imports ten thousand paths', async () => {
    const paths: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) paths[`/group${i % 100}/item${i}/{id}`] = { get: operation() };
    const { definition } = await importOpenApi(oas3(paths));
    // root + 100 groups + 10,000 items + 10,000 {id}
    expect(definition.resources).toHaveLength(1 + 100 + 20_000);
  });
});

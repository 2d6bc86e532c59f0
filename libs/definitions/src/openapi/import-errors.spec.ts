import { DefinitionError } from './definition-error';
import { MOCK_INTEGRATION, oas3, operation, swagger2 } from './fixtures/test-documents';
import { importOpenApi } from './openapi-import';

/** The DefinitionError an import fails with (and fails the test when it does not fail). */
async function importError(
  doc: Parameters<typeof importOpenApi>[0],
  opts = {},
): Promise<DefinitionError> {
  try {
    await importOpenApi(doc, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(DefinitionError);
    return err as DefinitionError;
  }
  throw new Error('import succeeded but should have failed');
}

const INTEGRATION = 'x-amazon-apigateway-integration';

function withIntegration(integration: Record<string, unknown>): Record<string, unknown> {
  return oas3({ '/pets': { get: operation(integration) } });
}

describe('importOpenApi: invalid documents', () => {
  it('rejects bad YAML with its line', async () => {
    const err = await importError('openapi: 3.0.1\ninfo:\n  title: [unclosed\n');
    expect(err.message).toMatch(/^Invalid YAML/);
    expect(err.location).toMatch(/^line \d+, column \d+$/);
  });

  it('rejects bad JSON', async () => {
    const err = await importError('{"openapi": "3.0.1", "info": ');
    expect(err.message).toMatch(/^Invalid JSON/);
  });

  it('rejects documents that are not API definitions', async () => {
    expect((await importError('')).message).toContain('empty');
    expect((await importError('- a\n- b\n')).message).toContain('must be a JSON or YAML object');
    expect((await importError('{"hello": "world"}')).message).toContain("neither an 'openapi'");
    expect((await importError(oas3(undefined, { openapi: '3.1.0' }))).location).toBe('openapi');
    expect((await importError(swagger2(undefined, { swagger: '1.2' }))).location).toBe('swagger');
  });

  it('says what is missing and where when the schema rejects the document', async () => {
    const err = await importError({ openapi: '3.0.1', paths: {} });
    expect(err.message).toBe(
      "Invalid API definition: (document) must have required property 'info'",
    );
    const param = await importError(
      oas3({
        '/pets': {
          get: operation(MOCK_INTEGRATION, {
            parameters: [{ name: 'limit', schema: { type: 'integer' } }],
          }),
        },
      }),
    );
    expect(param.message).toContain("must have required property 'in'");
    expect(param.location).toBe('paths./pets.get.parameters.0');
  });

  it('rejects unresolvable and external $refs without fetching anything', async () => {
    const missing = await importError(
      oas3({
        '/pets': {
          get: operation(MOCK_INTEGRATION, {
            parameters: [{ $ref: '#/components/parameters/Nope' }],
          }),
        },
      }),
    );
    expect(missing.message).toContain("$ref '#/components/parameters/Nope' does not resolve");
    expect(missing.location).toBe('paths./pets.get.parameters.0.$ref');
    const external = await importError(
      oas3({
        '/pets': {
          get: operation(MOCK_INTEGRATION, {
            parameters: [{ $ref: 'https://example.com/p.yaml#/P' }],
          }),
        },
      }),
    );
    expect(external.message).toContain('External $ref');
  });

  it('rejects invalid resource paths', async () => {
    const greedy = await importError(oas3({ '/{proxy+}/x': { get: operation() } }));
    expect(greedy.message).toContain('greedy path variable');
    const empty = await importError(oas3({ '/a//b': { get: operation() } }));
    expect(empty.message).toContain('empty path part');
    const siblings = await importError(
      oas3({ '/pets/{id}': { get: operation() }, '/pets/{petId}/toys': { get: operation() } }),
    );
    expect(siblings.message).toContain('only one is allowed');
  });
});

describe('importOpenApi: x-amazon-apigateway-integration errors', () => {
  it('names path and method when a method has no integration', async () => {
    const err = await importError(oas3({ '/pets/{id}': { delete: operation(null) } }));
    expect(err.message).toBe(
      'No integration defined for method DELETE /pets/{id} (at paths./pets/{id}.delete)',
    );
    expect(err.location).toBe('paths./pets/{id}.delete');
  });

  it('refuses aws (non-proxy Lambda) and VPC links as unsupported', async () => {
    const aws = await importError(
      withIntegration({
        type: 'AWS',
        httpMethod: 'POST',
        uri: 'arn:aws:apigateway:us-east-1:lambda:path/x',
      }),
    );
    expect(aws.message).toMatch(/^Unsupported integration type 'AWS'/);
    expect(aws.location).toBe(`paths./pets.get.${INTEGRATION}.type`);
    const vpc = await importError(
      withIntegration({
        type: 'http_proxy',
        connectionType: 'VPC_LINK',
        connectionId: 'abc',
        uri: 'http://nlb.internal/',
      }),
    );
    expect(vpc.message).toMatch(/^Unsupported integration type/);
    expect(vpc.location).toBe(`paths./pets.get.${INTEGRATION}.connectionType`);
  });

  it('rejects unknown and missing integration types', async () => {
    expect((await importError(withIntegration({ type: 'lambda' }))).message).toContain(
      'Invalid integration type "LAMBDA"',
    );
    expect((await importError(withIntegration({ uri: 'http://x/' }))).message).toBe(
      `Integration type is required (at paths./pets.get.${INTEGRATION}.type)`,
    );
  });

  it('rejects timeouts outside 50..29000 ms', async () => {
    for (const timeoutInMillis of [49, 29_001, 1.5, 'soon']) {
      const err = await importError(withIntegration({ ...MOCK_INTEGRATION, timeoutInMillis }));
      expect(err.message).toContain('expected an integer from 50 to 29000');
      expect(err.location).toBe(`paths./pets.get.${INTEGRATION}.timeoutInMillis`);
    }
  });

  it('rejects missing and malformed URIs', async () => {
    const missing = await importError(withIntegration({ type: 'http_proxy', httpMethod: 'GET' }));
    expect(missing.message).toContain('Integration uri is required for type http_proxy');
    for (const uri of ['ftp://files.example.com/pets', '/relative/pets', 'http://', 'not a url']) {
      const err = await importError(withIntegration({ type: 'http', httpMethod: 'GET', uri }));
      expect(err.message).toContain('expected an absolute http:// or https:// URL');
      expect(err.location).toBe(`paths./pets.get.${INTEGRATION}.uri`);
    }
    const lambda = await importError(
      withIntegration({ type: 'aws_proxy', uri: 'https://lambda.example.com/fn' }),
    );
    expect(lambda.message).toContain('Invalid aws_proxy uri');
  });

  it('rejects bad enumerations, mappings and integration responses', async () => {
    const passthrough = await importError(
      withIntegration({ ...MOCK_INTEGRATION, passthroughBehavior: 'sometimes' }),
    );
    expect(passthrough.location).toBe(`paths./pets.get.${INTEGRATION}.passthroughBehavior`);
    const target = await importError(
      withIntegration({
        ...MOCK_INTEGRATION,
        requestParameters: { 'method.request.path.id': "'x'" },
      }),
    );
    expect(target.message).toContain(
      "Invalid integration request parameter 'method.request.path.id'",
    );
    const undeclared = await importError(
      withIntegration({
        type: 'http_proxy',
        uri: 'http://x/{id}',
        requestParameters: { 'integration.request.path.id': 'method.request.path.id' },
      }),
    );
    expect(undeclared.message).toContain(
      'method.request.path.id is not a parameter of method GET /pets',
    );
    const status = await importError(
      withIntegration({ type: 'mock', responses: { default: { statusCode: 'ok' } } }),
    );
    expect(status.location).toBe(`paths./pets.get.${INTEGRATION}.responses.default.statusCode`);
    const pattern = await importError(
      withIntegration({ type: 'mock', responses: { '([': { statusCode: '500' } } }),
    );
    expect(pattern.message).toContain('Invalid selection pattern');
    const templates = await importError(
      withIntegration({ ...MOCK_INTEGRATION, requestTemplates: { 'application/json': 42 } }),
    );
    expect(templates.location).toBe(
      `paths./pets.get.${INTEGRATION}.requestTemplates.application/json`,
    );
  });
});

describe('importOpenApi: top-level extension and security errors', () => {
  it('rejects an unknown gateway response type', async () => {
    const err = await importError(
      oas3(undefined, {
        'x-amazon-apigateway-gateway-responses': { NOT_A_TYPE: { statusCode: '400' } },
      }),
    );
    expect(err.message).toContain("Unknown gateway response type 'NOT_A_TYPE'");
    expect(err.location).toBe('x-amazon-apigateway-gateway-responses.NOT_A_TYPE');
  });

  it('rejects malformed top-level extensions', async () => {
    expect(
      (await importError(oas3(undefined, { 'x-amazon-apigateway-api-key-source': 'QUERY' })))
        .location,
    ).toBe('x-amazon-apigateway-api-key-source');
    expect(
      (
        await importError(
          oas3(undefined, { 'x-amazon-apigateway-binary-media-types': 'image/png' }),
        )
      ).message,
    ).toContain('Expected an array of strings');
    expect(
      (await importError(oas3(undefined, { 'x-amazon-apigateway-minimum-compression-size': -1 })))
        .message,
    ).toContain('from 0 to 10485760');
    const validator = await importError(
      oas3({
        '/a': {
          get: operation(MOCK_INTEGRATION, { 'x-amazon-apigateway-request-validator': 'strict' }),
        },
      }),
    );
    expect(validator.message).toContain("Request validator 'strict' is not defined");
  });

  it('rejects undefined security schemes and two authorizers on one method', async () => {
    const undefinedScheme = await importError(
      oas3({ '/a': { get: operation(MOCK_INTEGRATION, { security: [{ nope: [] }] }) } }),
    );
    expect(undefinedScheme.message).toContain("Security scheme 'nope' is not defined");
    const authorizer = (name: string) => ({
      type: 'apiKey',
      name: 'Authorization',
      in: 'header',
      'x-amazon-apigateway-authorizer': {
        type: 'request',
        authorizerUri: `arn:aws:lambda:us-east-1:1:function:${name}`,
        identitySource: 'method.request.header.Authorization',
      },
    });
    const two = await importError(
      oas3(
        { '/a': { get: operation(MOCK_INTEGRATION, { security: [{ one: [] }, { two: [] }] }) } },
        { components: { securitySchemes: { one: authorizer('one'), two: authorizer('two') } } },
      ),
    );
    expect(two.message).toContain('A method can use one authorizer');
  });

  it('rejects an authorizer that cannot run, naming it and saying why', async () => {
    const err = await importError(
      oas3(
        { '/a': { get: operation(MOCK_INTEGRATION, { security: [{ shared: [] }] }) } },
        {
          components: {
            securitySchemes: {
              shared: {
                type: 'apiKey',
                name: 'x',
                in: 'header',
                'x-amazon-apigateway-authorizer': {
                  type: 'request',
                  authorizerUri: 'arn:aws:lambda:us-east-1:1:function:f',
                },
              },
            },
          },
        },
      ),
    );
    expect(err.message).toContain("Invalid authorizer 'shared': identitySource is required");
  });

  it('rejects a JWT authorizer whose algorithm allowlist admits none', async () => {
    const err = await importError(
      oas3(
        { '/a': { get: operation(MOCK_INTEGRATION, { security: [{ idp: ['read'] }] }) } },
        {
          components: {
            securitySchemes: {
              idp: {
                type: 'oauth2',
                flows: {},
                'x-amazon-apigateway-authorizer': {
                  type: 'jwt',
                  jwtConfiguration: { issuer: 'https://idp', audience: ['api'] },
                },
                'x-portico-jwt': { jwksUri: 'https://idp/keys', algorithms: ['NONE'] },
              },
            },
          },
        },
      ),
    );
    expect(err.message).toContain(
      `Invalid authorizer 'idp': x-portico-jwt.algorithms: "none" is never accepted`,
    );
  });

  it('turns warnings into an error with failOnWarnings', async () => {
    const doc = oas3(undefined, { 'x-amazon-apigateway-mystery': true });
    await expect(importOpenApi(doc)).resolves.toMatchObject({
      warnings: [expect.stringContaining('mystery')],
    });
    const err = await importError(doc, { failOnWarnings: true });
    expect(err.message).toContain("Unknown extension 'x-amazon-apigateway-mystery'");
  });
});

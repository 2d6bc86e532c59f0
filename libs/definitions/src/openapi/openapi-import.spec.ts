import type { ApiDefinition, Method, Resource } from '../model/api-definition';
import { resourceIdFor } from '../util/ids';
import { fixture, fixtureJson } from './fixtures/test-documents';
import { importOpenApi } from './openapi-import';

function resource(def: ApiDefinition, path: string): Resource {
  const found = def.resources.find((r) => r.path === path);
  if (!found) throw new Error(`no resource ${path}`);
  return found;
}

function method(def: ApiDefinition, path: string, key: keyof Resource['methods']): Method {
  const found = resource(def, path).methods[key];
  if (!found) throw new Error(`no method ${key} ${path}`);
  return found;
}

/** The definition without `raw`, which keeps each format's own operation spelling. */
function withoutRaw(def: ApiDefinition): unknown {
  return {
    ...def,
    resources: def.resources.map((r) => ({
      ...r,
      methods: Object.fromEntries(
        Object.entries(r.methods).map(([k, m]) => [k, { ...m, raw: undefined }]),
      ),
    })),
  };
}

describe('importOpenApi: the AWS-style PetStore export (OpenAPI 3.0)', () => {
  let def: ApiDefinition;
  let warnings: string[];

  beforeAll(async () => {
    ({ definition: def, warnings } = await importOpenApi(fixture('petstore-oas30.json')));
  });

  it('reads info and raises no warnings', () => {
    expect(def.title).toBe('PetStore');
    expect(def.version).toBe('2024-05-01T10:00:00Z');
    expect(def.description).toMatch(/^Your first API/);
    expect(warnings).toEqual([]);
  });

  it('creates every resource with its intermediate parents, sorted by path', () => {
    expect(def.resources.map((r) => r.path)).toEqual([
      '/',
      '/pets',
      '/pets/{petId}',
      '/reports',
      '/reports/daily',
      '/reports/daily/{date}',
      '/{proxy+}',
    ]);
    const root = resource(def, '/');
    expect(root).toMatchObject({ id: resourceIdFor('/'), pathPart: '' });
    expect(root.parentId).toBeUndefined();
    const daily = resource(def, '/reports/daily');
    expect(daily).toMatchObject({
      pathPart: 'daily',
      parentId: resource(def, '/reports').id,
      methods: {},
    });
    expect(resource(def, '/reports/daily/{date}').parentId).toBe(daily.id);
    expect(resource(def, '/pets/{petId}')).toMatchObject({
      id: resourceIdFor('/pets/{petId}'),
      pathPart: '{petId}',
      parentId: resourceIdFor('/pets'),
    });
  });

  it('maps an http_proxy integration with a stage variable, parameters and an API key', () => {
    const list = method(def, '/pets', 'GET');
    expect(list).toMatchObject({
      httpMethod: 'GET',
      operationId: 'ListPets',
      summary: 'List all pets',
      authorizationType: 'NONE',
      apiKeyRequired: true,
      requestParameters: {
        'method.request.querystring.type': false,
        'method.request.querystring.page': false,
      },
      methodResponses: [
        {
          statusCode: '200',
          responseParameters: { 'method.response.header.Access-Control-Allow-Origin': false },
          responseModels: { 'application/json': 'Pets' },
        },
      ],
    });
    expect(list.integration).toEqual({
      type: 'HTTP_PROXY',
      httpMethod: 'GET',
      uri: 'http://${stageVariables.petstoreHost}/petstore/pets',
      timeoutInMillis: 5000,
      requestParameters: {
        'integration.request.querystring.page': 'method.request.querystring.page',
        'integration.request.querystring.type': 'method.request.querystring.type',
        'integration.request.header.x-source': "'portico'",
      },
      requestTemplates: {},
      passthroughBehavior: 'WHEN_NO_MATCH',
      cacheKeyParameters: [],
      responses: [],
    });
  });

  it('maps an http integration with integration responses, content handling and a validator', () => {
    const create = method(def, '/pets', 'POST');
    expect(create.requestValidator).toBe('body-only');
    expect(create.integration).toMatchObject({
      type: 'HTTP',
      httpMethod: 'POST',
      passthroughBehavior: 'WHEN_NO_TEMPLATES',
      contentHandling: 'CONVERT_TO_TEXT',
      timeoutInMillis: 29000,
      responses: [
        {
          selectionPattern: 'default',
          statusCode: '200',
          responseParameters: { 'method.response.header.Access-Control-Allow-Origin': "'*'" },
          responseTemplates: {},
        },
      ],
    });
    // The request body is not modelled by Method; raw keeps it for validators and export.
    expect(create.raw.requestBody).toEqual({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/NewPet' } } },
      required: true,
    });
    expect(create.raw['x-amazon-apigateway-integration']).toBeUndefined();
  });

  it('maps aws_proxy with a full Lambda invocation ARN', () => {
    const get = method(def, '/pets/{petId}', 'GET');
    expect(get.requestParameters).toEqual({ 'method.request.path.petId': true });
    expect(get.requestValidator).toBe('params-only');
    expect(get.integration).toMatchObject({
      type: 'AWS_PROXY',
      httpMethod: 'POST',
      timeoutInMillis: 10000,
      uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:GetPet/invocations',
    });
  });

  it('maps mock integrations with request templates and ordered responses', () => {
    const root = method(def, '/', 'GET');
    expect(root.integration).toMatchObject({
      type: 'MOCK',
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
      responses: [
        {
          selectionPattern: 'default',
          statusCode: '200',
          responseParameters: { 'method.response.header.Content-Type': "'text/html'" },
        },
      ],
    });
    expect(root.integration.uri).toBeUndefined();
    expect(root.integration.responses[0]!.responseTemplates['text/html']).toContain('Welcome');
    const remove = method(def, '/pets/{petId}', 'DELETE');
    expect(remove.integration.passthroughBehavior).toBe('NEVER');
    expect(remove.integration.responses.map((r) => [r.selectionPattern, r.statusCode])).toEqual([
      ['4\\d{2}', '400'],
      ['default', '204'],
    ]);
  });

  it('maps an authorizer security requirement to CUSTOM with the authorizer name', () => {
    const remove = method(def, '/pets/{petId}', 'DELETE');
    expect(remove).toMatchObject({
      authorizationType: 'CUSTOM',
      authorizerName: 'petAuthorizer',
      apiKeyRequired: false,
      requestParameters: {
        'method.request.path.petId': true,
        'method.request.header.X-Reason': true,
      },
      methodResponses: [{ statusCode: '204', responseParameters: {}, responseModels: {} }],
    });
    expect(def.securitySchemes.petAuthorizer).toMatchObject({
      'x-amazon-apigateway-authorizer': { type: 'token' },
    });
  });

  it('maps {proxy+} with x-amazon-apigateway-any-method to ANY', () => {
    const proxy = resource(def, '/{proxy+}');
    expect(Object.keys(proxy.methods)).toEqual(['ANY']);
    expect(proxy.methods.ANY).toMatchObject({
      httpMethod: 'ANY',
      requestParameters: { 'method.request.path.proxy': true },
      methodResponses: [],
      integration: {
        type: 'HTTP_PROXY',
        httpMethod: 'ANY',
        uri: 'https://${stageVariables.backendHost}/{proxy}',
        requestParameters: { 'integration.request.path.proxy': 'method.request.path.proxy' },
        cacheKeyParameters: ['method.request.path.proxy'],
        cacheNamespace: 'proxyns',
      },
    });
  });

  it('maps the top-level extensions', () => {
    expect(def.binaryMediaTypes).toEqual(['image/png', 'application/octet-stream']);
    expect(def.apiKeySource).toBe('HEADER');
    expect(def.minimumCompressionSize).toBe(1024);
    expect(def.gatewayResponses).toEqual({
      DEFAULT_4XX: {
        responseType: 'DEFAULT_4XX',
        responseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" },
        responseTemplates: { 'application/json': '{"message":$context.error.messageString}' },
      },
      MISSING_AUTHENTICATION_TOKEN: {
        responseType: 'MISSING_AUTHENTICATION_TOKEN',
        statusCode: '404',
        responseParameters: {
          'gatewayresponse.header.x-request-path': 'method.request.path.petId',
        },
        responseTemplates: {
          'application/json': '{"message":"No such route","path":"$context.path"}',
        },
      },
    });
    // Kept for export, not acted on; the modelled ones are not duplicated here.
    expect(Object.keys(def.extensions).sort()).toEqual([
      'x-amazon-apigateway-endpoint-configuration',
      'x-amazon-apigateway-policy',
      'x-amazon-apigateway-request-validators',
      'x-team',
    ]);
    expect(Object.keys(def.models)).toEqual([
      'Pets',
      'Empty',
      'NewPetResponse',
      'Pet',
      'NewPet',
      'PetType',
    ]);
  });

  it('imports the Swagger 2.0 (YAML) equivalent to the same definition', async () => {
    const { definition, warnings: swaggerWarnings } = await importOpenApi(
      fixture('petstore-swagger2.yaml'),
    );
    expect(swaggerWarnings).toEqual([]);
    expect(withoutRaw(definition)).toEqual(withoutRaw(def));
    // Swagger-only spellings become OpenAPI 3 ones in raw.
    expect(method(definition, '/pets', 'POST').raw.requestBody).toEqual(
      method(def, '/pets', 'POST').raw.requestBody,
    );
    expect(definition.models.Pets).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/Pet' },
    });
  });

  it('accepts a parsed object and leaves it untouched', async () => {
    const doc = fixtureJson();
    const before = JSON.stringify(doc);
    const { definition } = await importOpenApi(doc);
    expect(definition.resources).toHaveLength(def.resources.length);
    expect(JSON.stringify(doc)).toBe(before);
  });
});

import {
  type APIGatewayClient,
  GetResourcesCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  ImportRestApiCommand,
  PutRestApiCommand,
} from '@aws-sdk/client-api-gateway';
import { type ControlUnderTest, fixture, startControlUnderTest } from './control-harness';

describe('ImportRestApi, PutRestApi, GetRestApis, GetRestApi, GetResources (AWS SDK)', () => {
  let t: ControlUnderTest;
  let sdk: APIGatewayClient;
  let petsId: string;

  beforeAll(async () => {
    t = await startControlUnderTest();
    sdk = t.sdk;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('imports an OpenAPI 3 document (YAML) with http_proxy, aws_proxy and mock', async () => {
    const api = await sdk.send(
      new ImportRestApiCommand({ body: fixture('pets-api.yaml'), failOnWarnings: true }),
    );
    expect(api).toMatchObject({
      name: 'Control Pets',
      version: '1.0',
      description: "The fixture control's tests import",
      apiKeySource: 'HEADER',
      endpointConfiguration: { types: ['EDGE'] },
    });
    expect(api.id).toMatch(/^[a-z0-9]{10}$/);
    expect(api.createdDate).toBeInstanceOf(Date);
    expect(Math.abs(api.createdDate!.getTime() - Date.now())).toBeLessThan(120_000);
    petsId = api.id!;
  });

  it('imports Swagger 2 (JSON) with endpointConfigurationTypes', async () => {
    const api = await sdk.send(
      new ImportRestApiCommand({
        body: fixture('orders-api.json'),
        parameters: { endpointConfigurationTypes: 'REGIONAL' },
      }),
    );
    expect(api).toMatchObject({
      name: 'Control Orders',
      endpointConfiguration: { types: ['REGIONAL'] },
    });
  });

  it('imports a body under any content type, as curl --data-binary sends it', async () => {
    const res = await fetch(t.url('/restapis?mode=import&failonwarnings=true'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fixture('orders-api.json'),
    });
    expect(res.status).toBe(201);
    const api = (await res.json()) as { id: string; name: string; createdDate: unknown };
    expect(api.name).toBe('Control Orders');
    expect(typeof api.createdDate).toBe('number');
    expect((await fetch(t.url(`/restapis/${api.id}`), { method: 'DELETE' })).status).toBe(202);
  });

  it('lists resources with their methods and integrations (embed=methods)', async () => {
    const res = await sdk.send(new GetResourcesCommand({ restApiId: petsId, embed: ['methods'] }));
    const byPath = new Map(res.items!.map((r) => [r.path, r]));
    expect([...byPath.keys()].sort()).toEqual([
      '/',
      '/fn',
      '/fn/{proxy+}',
      '/health',
      '/pets',
      '/pets/{petId}',
    ]);
    expect(byPath.get('/pets/{petId}')).toMatchObject({
      pathPart: '{petId}',
      parentId: byPath.get('/pets')!.id,
    });
    const get = byPath.get('/pets/{petId}')!.resourceMethods!.GET!;
    expect(get.methodIntegration).toMatchObject({
      type: 'HTTP_PROXY',
      httpMethod: 'GET',
      uri: 'http://${stageVariables.backend}/pets/{id}',
      requestParameters: { 'integration.request.path.id': 'method.request.path.petId' },
    });
    expect(byPath.get('/fn/{proxy+}')!.resourceMethods!.ANY!.methodIntegration!.type).toBe(
      'AWS_PROXY',
    );
    const mock = byPath.get('/health')!.resourceMethods!.GET!.methodIntegration!;
    expect(mock.type).toBe('MOCK');
    expect(mock.integrationResponses!['200']!.responseTemplates).toEqual({
      'application/json': '{"status": "ok"}',
    });
    expect(byPath.get('/pets')!.resourceMethods!.GET!.operationName).toBe('listPets');
  });

  it('lists methods as empty objects without embed, and pages with limit and position', async () => {
    const first = await sdk.send(new GetResourcesCommand({ restApiId: petsId, limit: 4 }));
    expect(first.items).toHaveLength(4);
    expect(first.position).toBeDefined();
    const rest = await sdk.send(
      new GetResourcesCommand({ restApiId: petsId, limit: 4, position: first.position }),
    );
    expect(rest.items).toHaveLength(2);
    expect(rest.position).toBeUndefined();
    const pets = [...first.items!, ...rest.items!].find((r) => r.path === '/pets')!;
    expect(pets.resourceMethods).toEqual({ GET: {} });
  });

  it('gets and lists REST APIs, page by page', async () => {
    expect((await sdk.send(new GetRestApiCommand({ restApiId: petsId }))).name).toBe(
      'Control Pets',
    );
    const page1 = await sdk.send(new GetRestApisCommand({ limit: 1 }));
    expect(page1.items).toHaveLength(1);
    const page2 = await sdk.send(new GetRestApisCommand({ limit: 1, position: page1.position }));
    expect(page2.items).toHaveLength(1);
    expect(page2.position).toBeUndefined();
    expect([page1.items![0]!.name, page2.items![0]!.name].sort()).toEqual([
      'Control Orders',
      'Control Pets',
    ]);
  });

  it('PutRestApi merges by default and overwrites with mode=overwrite', async () => {
    const target = await sdk.send(new ImportRestApiCommand({ body: fixture('pets-api.yaml') }));
    const merged = await sdk.send(
      new PutRestApiCommand({ restApiId: target.id!, body: fixture('orders-api.json') }),
    );
    expect(merged.name).toBe('Control Pets');
    const methodsOf = async () => {
      const res = await sdk.send(new GetResourcesCommand({ restApiId: target.id!, limit: 100 }));
      return Object.fromEntries(
        res.items!.map((r) => [r.path, Object.keys(r.resourceMethods ?? {}).sort()]),
      );
    };
    expect(await methodsOf()).toMatchObject({
      '/orders': ['POST'],
      '/pets': ['DELETE', 'GET'],
      '/health': ['GET'],
    });

    const overwritten = await sdk.send(
      new PutRestApiCommand({
        restApiId: target.id!,
        mode: 'overwrite',
        body: fixture('orders-api.json'),
      }),
    );
    expect(overwritten.name).toBe('Control Orders');
    expect(await methodsOf()).toEqual({ '/': [], '/orders': ['POST'], '/pets': ['DELETE'] });
  });
});

import {
  type APIGatewayClient,
  BadRequestException,
  CreateDeploymentCommand,
  DeleteRestApiCommand,
  GetExportCommand,
  GetResourcesCommand,
  ImportRestApiCommand,
  NotFoundException,
} from '@aws-sdk/client-api-gateway';
import { parse as parseYaml } from 'yaml';
import { type ControlUnderTest, fixture, startControlUnderTest } from './control-harness';

describe('GetExport (AWS SDK)', () => {
  let t: ControlUnderTest;
  let sdk: APIGatewayClient;
  let petsId: string;

  beforeAll(async () => {
    t = await startControlUnderTest();
    sdk = t.sdk;
    petsId = (await sdk.send(new ImportRestApiCommand({ body: fixture('pets-api.yaml') }))).id!;
    await sdk.send(new CreateDeploymentCommand({ restApiId: petsId, stageName: 'prod' }));
  });

  afterAll(async () => {
    await t?.close();
  });

  const decode = (body: Uint8Array | undefined): string => new TextDecoder().decode(body);

  it('exports oas30 as JSON, and the document re-imports', async () => {
    const out = await sdk.send(
      new GetExportCommand({
        restApiId: petsId,
        stageName: 'prod',
        exportType: 'oas30',
        accepts: 'application/json',
        parameters: { extensions: 'apigateway' },
      }),
    );
    expect(out.contentType).toBe('application/json');
    const doc = JSON.parse(decode(out.body)) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\.0/);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/pets', '/pets/{petId}', '/fn/{proxy+}', '/health']),
    );
    const again = await sdk.send(new ImportRestApiCommand({ body: out.body! }));
    const resources = await sdk.send(
      new GetResourcesCommand({ restApiId: again.id!, embed: ['methods'] }),
    );
    const fn = resources.items!.find((r) => r.path === '/fn/{proxy+}')!;
    expect(fn.resourceMethods!.ANY!.methodIntegration!.type).toBe('AWS_PROXY');
    await sdk.send(new DeleteRestApiCommand({ restApiId: again.id! }));
  });

  it('exports swagger as YAML with the integrations extension, and it re-imports', async () => {
    const out = await sdk.send(
      new GetExportCommand({
        restApiId: petsId,
        stageName: 'prod',
        exportType: 'swagger',
        accepts: 'application/yaml',
        parameters: { extensions: 'integrations' },
      }),
    );
    expect(out.contentType).toBe('application/yaml');
    const text = decode(out.body);
    expect(text.trimStart().startsWith('{')).toBe(false);
    const doc = parseYaml(text) as {
      swagger: string;
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    expect(doc.swagger).toBe('2.0');
    expect(doc.paths['/health']!.get!['x-amazon-apigateway-integration']).toMatchObject({
      type: 'mock',
    });
    const again = await sdk.send(new ImportRestApiCommand({ body: out.body! }));
    expect(again.name).toBe('Control Pets');
    await sdk.send(new DeleteRestApiCommand({ restApiId: again.id! }));
  });

  it('takes a combination of extensions, and none at all', async () => {
    const exported = async (extensions: string) => {
      const res = await fetch(
        t.url(`/restapis/${petsId}/stages/prod/exports/oas30?extensions=${extensions}`),
      );
      expect(res.status).toBe(200);
      return JSON.stringify(await res.json());
    };
    expect(await exported('authorizers,integrations')).toContain('x-amazon-apigateway-integration');
    expect(await exported('none')).not.toContain('x-amazon-apigateway-integration');
    // Without the parameter AWS exports plain OpenAPI.
    const plain = await fetch(t.url(`/restapis/${petsId}/stages/prod/exports/oas30`));
    expect(JSON.stringify(await plain.json())).not.toContain('x-amazon-apigateway-integration');
    const bad = await fetch(t.url(`/restapis/${petsId}/stages/prod/exports/oas30?extensions=x`));
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-amzn-errortype')).toBe('BadRequestException');
  });

  it('refuses an unknown export type and an unknown stage', async () => {
    await expect(
      sdk.send(new GetExportCommand({ restApiId: petsId, stageName: 'prod', exportType: 'raml' })),
    ).rejects.toBeInstanceOf(BadRequestException);
    await expect(
      sdk.send(new GetExportCommand({ restApiId: petsId, stageName: 'nope', exportType: 'oas30' })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });
});

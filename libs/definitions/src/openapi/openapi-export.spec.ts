import type { ApiDefinition } from '../model/api-definition';
import { parseDocument, serializeDocument } from './document-format';
import { fixture, oas3, operation } from './fixtures/test-documents';
import { exportOpenApi } from './openapi-export';
import { importOpenApi } from './openapi-import';
import type { ExportOptions } from './openapi.types';

const API = { id: 'a1b2c3d4e5', name: 'PetStore' };
const STAGE = { stageName: 'prod', variables: { petstoreHost: 'petstore.internal' } };

function options(
  format: ExportOptions['format'],
  extra: Partial<ExportOptions> = {},
): ExportOptions {
  return { format, api: API, stage: STAGE, ...extra };
}

async function load(
  name: 'petstore-oas30.json' | 'petstore-swagger2.yaml',
): Promise<ApiDefinition> {
  return (await importOpenApi(fixture(name))).definition;
}

describe('exportOpenApi', () => {
  let def: ApiDefinition;

  beforeAll(async () => {
    def = await load('petstore-oas30.json');
  });

  it('builds an OpenAPI 3.0.1 document as GetExport does', () => {
    const doc = exportOpenApi(def, options('oas30', { host: 'api.example.com' }));
    expect(doc).toMatchObject({
      openapi: '3.0.1',
      info: { title: 'PetStore', version: '2024-05-01T10:00:00Z', description: def.description },
      servers: [
        { url: 'https://api.example.com/{basePath}', variables: { basePath: { default: 'prod' } } },
      ],
      'x-amazon-apigateway-binary-media-types': ['image/png', 'application/octet-stream'],
      'x-amazon-apigateway-api-key-source': 'HEADER',
      'x-amazon-apigateway-minimum-compression-size': 1024,
      'x-amazon-apigateway-policy': def.extensions['x-amazon-apigateway-policy'],
    });
    const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
    // Intermediate resources without methods are implied by their children, as in the source.
    expect(Object.keys(paths)).toEqual([
      '/',
      '/pets',
      '/pets/{petId}',
      '/reports/daily/{date}',
      '/{proxy+}',
    ]);
    expect(paths['/pets']!.get).toMatchObject({
      operationId: 'ListPets',
      security: [{ api_key: [] }],
      'x-amazon-apigateway-integration': {
        type: 'http_proxy',
        httpMethod: 'GET',
        uri: 'http://${stageVariables.petstoreHost}/petstore/pets',
        passthroughBehavior: 'when_no_match',
        timeoutInMillis: 5000,
      },
    });
    expect(paths['/{proxy+}']!['x-amazon-apigateway-any-method']).toBeDefined();
    expect((doc.components as Record<string, Record<string, unknown>>).schemas!.Pet).toEqual(
      def.models.Pet,
    );
    expect(
      Object.keys((doc.components as Record<string, Record<string, unknown>>).securitySchemes!),
    ).toEqual(['api_key', 'petAuthorizer']);
  });

  it('builds a Swagger 2.0 document with host, basePath and schemes', () => {
    const doc = exportOpenApi(def, options('swagger'));
    expect(doc).toMatchObject({
      swagger: '2.0',
      host: 'a1b2c3d4e5.execute-api.localhost',
      basePath: '/prod',
      schemes: ['https'],
    });
    const post = (doc.paths as Record<string, Record<string, Record<string, unknown>>>)['/pets']!
      .post!;
    expect(post.consumes).toEqual(['application/json']);
    expect(post.parameters).toEqual([
      { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/NewPet' } },
    ]);
    expect((doc.definitions as Record<string, unknown>).Pets).toEqual({
      type: 'array',
      items: { $ref: '#/definitions/Pet' },
    });
  });

  it('leaves out API Gateway extensions (but ANY) for extensions=none and postman', () => {
    for (const extensions of ['none', 'postman'] as const) {
      const text = JSON.stringify(exportOpenApi(def, options('oas30', { extensions })));
      // ANY has no spelling in plain OpenAPI, so its path-item key stays.
      expect(text.replaceAll('x-amazon-apigateway-any-method', '')).not.toContain(
        'x-amazon-apigateway-',
      );
      expect(text).toContain('"x-team"');
    }
  });

  it('uses the date as version when neither API nor definition has one', () => {
    const { version: _v, ...unversioned } = def;
    const info = exportOpenApi(unversioned, options('oas30')).info as Record<string, string>;
    expect(Date.parse(info.version!)).not.toBeNaN();
  });

  describe.each([
    ['OpenAPI 3.0 source', 'petstore-oas30.json'],
    ['Swagger 2.0 source', 'petstore-swagger2.yaml'],
  ] as const)('round trip from the %s', (_label, source) => {
    it.each([
      ['oas30', 'json'],
      ['oas30', 'yaml'],
      ['swagger', 'json'],
      ['swagger', 'yaml'],
    ] as const)('export %s as %s imports again to an equal definition', async (format, as) => {
      const original = await load(source);
      const text = serializeDocument(
        exportOpenApi(original, options(format, { api: { ...API, name: original.title } })),
        as,
      );
      expect(as === 'json' ? text.startsWith('{\n  "') : !text.startsWith('{')).toBe(true);
      const { definition, warnings } = await importOpenApi(text);
      expect(warnings).toEqual([]);
      if (format === (source.endsWith('json') ? 'oas30' : 'swagger')) {
        expect(definition).toEqual(original);
      } else {
        // Across formats, raw changes spelling; everything the model says stays equal.
        const strip = (d: ApiDefinition) =>
          d.resources.map((r) => ({
            ...r,
            methods: Object.values(r.methods).map((m) => ({ ...m, raw: null })),
          }));
        expect(strip(definition)).toEqual(strip(original));
        expect({ ...definition, resources: [] }).toEqual({ ...original, resources: [] });
      }
      // Exporting the re-imported definition gives the same document again.
      const again = serializeDocument(
        exportOpenApi(definition, options(format, { api: { ...API, name: original.title } })),
        as,
      );
      expect(parseDocument(again)).toEqual(parseDocument(text));
    });
  });

  it('round-trips IAM, Cognito scopes and an API key added by the exporter', async () => {
    const doc = oas3(
      {
        '/iam': { get: operation(undefined, { 'x-amazon-apigateway-auth': { type: 'AWS_IAM' } }) },
        '/cognito': { post: operation(undefined, { security: [{ pool: ['email'] }] }) },
        '/leaf': {},
      },
      {
        components: {
          securitySchemes: {
            pool: {
              type: 'apiKey',
              name: 'Authorization',
              in: 'header',
              'x-amazon-apigateway-authorizer': {
                type: 'cognito_user_pools',
                providerARNs: ['arn:aws:cognito-idp:us-east-1:1:userpool/p'],
              },
            },
          },
        },
      },
    );
    const { definition } = await importOpenApi(doc);
    for (const format of ['oas30', 'swagger'] as const) {
      const again = await importOpenApi(
        exportOpenApi(definition, options(format, { api: { ...API, name: 'Test' } })),
      );
      expect(again.definition.resources).toEqual(definition.resources);
    }
    // A key requirement without a key scheme in the model gets AWS's `api_key` scheme.
    const keyed: ApiDefinition = structuredClone(definition);
    keyed.resources.find((r) => r.path === '/iam')!.methods.GET!.apiKeyRequired = true;
    const exported = exportOpenApi(keyed, options('oas30'));
    expect(
      (exported.components as Record<string, Record<string, unknown>>).securitySchemes!.api_key,
    ).toEqual({
      type: 'apiKey',
      name: 'x-api-key',
      in: 'header',
    });
    const reimported = await importOpenApi(exported);
    expect(
      reimported.definition.resources.find((r) => r.path === '/iam')!.methods.GET,
    ).toMatchObject({
      authorizationType: 'AWS_IAM',
      apiKeyRequired: true,
    });
  });
});

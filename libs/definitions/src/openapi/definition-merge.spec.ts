import type { ApiDefinition } from '../model/api-definition';
import { mergeDefinitions } from './definition-merge';
import { oas3, operation } from './fixtures/test-documents';
import { importOpenApi } from './openapi-import';

const mock = (statusCode: string) => ({ type: 'mock', responses: { default: { statusCode } } });
/** A resource policy import accepts, told apart by its Sid. */
const policy = (sid: string) => ({
  Statement: [
    { Sid: sid, Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: '*' },
  ],
});

async function load(doc: Record<string, unknown>): Promise<ApiDefinition> {
  return (await importOpenApi(doc)).definition;
}

describe('mergeDefinitions (PutRestApi mode=merge)', () => {
  let base: ApiDefinition;
  let incoming: ApiDefinition;

  beforeAll(async () => {
    // The AWS guide's example: B has GET /a and POST /a; A declares GET /a.
    base = await load(
      oas3(
        {
          '/a': {
            get: operation(mock('200'), {
              responses: { '200': { description: 'ok' }, '206': { description: 'partial' } },
            }),
            post: operation(mock('201')),
          },
          '/keep/me': { get: operation(mock('200')) },
        },
        {
          'x-amazon-apigateway-binary-media-types': ['image/png'],
          'x-amazon-apigateway-gateway-responses': {
            DEFAULT_4XX: { statusCode: '400' },
            THROTTLED: { statusCode: '429' },
          },
          'x-amazon-apigateway-policy': policy('old'),
          'x-base-only': 1,
          components: { schemas: { Old: { type: 'string' }, Shared: { type: 'string' } } },
        },
      ),
    );
    incoming = await load(
      oas3(
        {
          '/a': {
            get: operation(mock('200'), {
              responses: { '200': { description: 'ok' }, '400': { description: 'bad' } },
            }),
          },
          '/new/{id}': { put: operation(mock('204')) },
        },
        {
          info: { title: 'Merged', version: '2' },
          'x-amazon-apigateway-binary-media-types': ['application/pdf'],
          'x-amazon-apigateway-api-key-source': 'AUTHORIZER',
          'x-amazon-apigateway-gateway-responses': { DEFAULT_4XX: { statusCode: '418' } },
          'x-amazon-apigateway-policy': policy('new'),
          components: { schemas: { Shared: { type: 'integer' }, New: { type: 'object' } } },
        },
      ),
    );
  });

  it('replaces methods with the same path and method, and keeps the others', () => {
    const merged = mergeDefinitions(base, incoming);
    const a = merged.resources.find((r) => r.path === '/a')!;
    expect(a.methods.GET!.methodResponses.map((r) => r.statusCode)).toEqual(['200', '400']);
    expect(a.methods.POST!.integration.responses[0]!.statusCode).toBe('201');
    expect(merged.resources.map((r) => r.path)).toEqual([
      '/',
      '/a',
      '/keep',
      '/keep/me',
      '/new',
      '/new/{id}',
    ]);
    expect(merged.resources.find((r) => r.path === '/new/{id}')!.parentId).toBe(
      merged.resources.find((r) => r.path === '/new')!.id,
    );
  });

  it('merges top-level settings, models and extensions with incoming winning', () => {
    const merged = mergeDefinitions(base, incoming);
    expect(merged.title).toBe('Merged');
    expect(merged.version).toBe('2');
    expect(merged.binaryMediaTypes).toEqual(['image/png', 'application/pdf']);
    expect(merged.apiKeySource).toBe('AUTHORIZER');
    expect(merged.gatewayResponses.DEFAULT_4XX!.statusCode).toBe('418');
    expect(merged.gatewayResponses.THROTTLED!.statusCode).toBe('429');
    expect(merged.models).toEqual({
      Old: { type: 'string' },
      Shared: { type: 'integer' },
      New: { type: 'object' },
    });
    expect(merged.extensions).toEqual({
      'x-amazon-apigateway-policy': policy('new'),
      'x-base-only': 1,
    });
  });

  it('leaves both inputs unchanged', () => {
    const before = JSON.stringify([base, incoming]);
    mergeDefinitions(base, incoming);
    expect(JSON.stringify([base, incoming])).toBe(before);
  });
});

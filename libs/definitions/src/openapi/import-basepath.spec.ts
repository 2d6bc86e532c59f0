import { oas3, operation, swagger2 } from './fixtures/test-documents';
import { importOpenApi } from './openapi-import';

const paths = { '/e': { get: operation() }, '/f': { get: operation() } };

async function resourcePaths(
  doc: Record<string, unknown>,
  basepath?: 'ignore' | 'prepend' | 'split',
) {
  const { definition } = await importOpenApi(doc, basepath ? { basepath } : {});
  return definition.resources.map((r) => r.path);
}

describe('importOpenApi basepath (ImportRestApi ?basepath=)', () => {
  const swaggerDoc = swagger2(paths, { basePath: '/a/b/c' });

  it('ignores the base path by default and with ignore', async () => {
    expect(await resourcePaths(swaggerDoc)).toEqual(['/', '/e', '/f']);
    expect(await resourcePaths(swaggerDoc, 'ignore')).toEqual(['/', '/e', '/f']);
  });

  it('prepends the whole base path with prepend, creating the intermediate resources', async () => {
    expect(await resourcePaths(swaggerDoc, 'prepend')).toEqual([
      '/',
      '/a',
      '/a/b',
      '/a/b/c',
      '/a/b/c/e',
      '/a/b/c/f',
    ]);
  });

  it('drops the first base path part with split', async () => {
    expect(await resourcePaths(swaggerDoc, 'split')).toEqual([
      '/',
      '/b',
      '/b/c',
      '/b/c/e',
      '/b/c/f',
    ]);
    // A one-part base path (a stage name, as AWS exports) leaves nothing to prepend.
    expect(await resourcePaths(swagger2(paths, { basePath: '/prod' }), 'split')).toEqual([
      '/',
      '/e',
      '/f',
    ]);
  });

  it('reads an OpenAPI 3 basePath server variable, as AWS exports it', async () => {
    const doc = oas3(paths, {
      servers: [
        {
          url: 'https://api.example.com/{basePath}',
          variables: { basePath: { default: '/v1/pets' } },
        },
      ],
    });
    expect(await resourcePaths(doc, 'prepend')).toEqual([
      '/',
      '/v1',
      '/v1/pets',
      '/v1/pets/e',
      '/v1/pets/f',
    ]);
    expect(await resourcePaths(doc, 'split')).toEqual(['/', '/pets', '/pets/e', '/pets/f']);
  });

  it('falls back to the path of servers[0].url, expanding other variables', async () => {
    const doc = oas3(paths, {
      servers: [
        {
          url: 'https://{host}/api/{version}',
          variables: { host: { default: 'x.example.com' }, version: { default: 'v2' } },
        },
      ],
    });
    expect(await resourcePaths(doc, 'prepend')).toEqual([
      '/',
      '/api',
      '/api/v2',
      '/api/v2/e',
      '/api/v2/f',
    ]);
    expect(
      await resourcePaths(oas3(paths, { servers: [{ url: '/relative/base' }] }), 'prepend'),
    ).toEqual(['/', '/relative', '/relative/base', '/relative/base/e', '/relative/base/f']);
  });

  it('maps the root path to the base path itself', async () => {
    const doc = swagger2({ '/': { get: operation() } }, { basePath: '/v1' });
    const { definition } = await importOpenApi(doc, { basepath: 'prepend' });
    expect(definition.resources.map((r) => [r.path, Object.keys(r.methods)])).toEqual([
      ['/', []],
      ['/v1', ['GET']],
    ]);
  });
});

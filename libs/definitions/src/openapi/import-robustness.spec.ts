import { DefinitionError } from './definition-error';
import { fixtureJson } from './fixtures/test-documents';
import { exportOpenApi } from './openapi-export';
import { importOpenApi } from './openapi-import';

type Path = string[];

function memberPaths(node: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (node && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) {
      out.push([...prefix, key]);
      memberPaths(child, [...prefix, key], out);
    }
  }
  return out;
}

function mutate(doc: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  const copy = structuredClone(doc);
  let node = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/**
 * Members of the PetStore fixture removed, or replaced by a value of the wrong type: the
 * import either fails with a DefinitionError or gives a definition that exports to both formats
 * and imports again. Nothing else (no TypeError, no invalid export).
 */
describe('importOpenApi robustness', () => {
  const base = fixtureJson();
  // Every member removed; integration members (where most checks are) also given a string.
  const cases = memberPaths(base).flatMap((path) =>
    path.includes('x-amazon-apigateway-integration')
      ? [
          [path, undefined],
          [path, 'x'],
        ]
      : [[path, undefined]],
  ) as [Path, unknown][];

  it(`handles ${cases.length} damaged variants of the fixture`, async () => {
    const failures: string[] = [];
    let imported = 0;
    for (const [path, value] of cases) {
      const label = `${path.join('.')} = ${value === undefined ? '(removed)' : JSON.stringify(value)}`;
      let definition;
      try {
        ({ definition } = await importOpenApi(mutate(base, path, value)));
      } catch (err) {
        if (!(err instanceof DefinitionError)) failures.push(`${label}: ${String(err)}`);
        continue;
      }
      imported++;
      for (const format of ['oas30', 'swagger'] as const) {
        try {
          await importOpenApi(
            exportOpenApi(definition, { format, api: { id: 'abc', name: definition.title } }),
          );
        } catch (err) {
          failures.push(`${label} → ${format}: ${String(err)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // Both outcomes occur: the fixture has optional members and required ones.
    expect(imported).toBeGreaterThan(0);
    expect(imported).toBeLessThan(cases.length);
  }, 120_000);
});

describe('importOpenApi on hostile nesting', () => {
  const head =
    '{"openapi":"3.0.1","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok"}},"x-amazon-apigateway-integration":{"type":"mock"}}}}';
  /** `levels` schemas, each the only property of the one above. */
  const nestedSchema = (levels: number): string =>
    '{"type":"object","properties":{"a":'.repeat(levels) + '{}' + '}}'.repeat(levels);

  it.each([
    ['an extension', `${head},"x-deep":${'['.repeat(500)}${']'.repeat(500)}}`],
    ['a schema', `${head},"components":{"schemas":{"A":${nestedSchema(300)}}}}`],
  ])('refuses %s nested hundreds of levels deep with a DefinitionError', async (_what, text) => {
    const attempt = importOpenApi(text);
    await expect(attempt).rejects.toBeInstanceOf(DefinitionError);
    await expect(attempt).rejects.toThrow(/more than 100 levels deep/);
  });

  it('refuses a cyclic object instead of looping', async () => {
    const doc = JSON.parse(`${head}}`) as Record<string, unknown>;
    (doc.info as Record<string, unknown>)['x-self'] = doc;
    await expect(importOpenApi(doc)).rejects.toThrow(/more than 100 levels deep/);
  });

  it('keeps a schema named __proto__ as a schema, not as a prototype', async () => {
    const { definition } = await importOpenApi(
      `${head},"components":{"schemas":{"__proto__":{"type":"string"}}}}`,
    );
    expect(Object.getOwnPropertyDescriptor(definition.models, '__proto__')?.value).toEqual({
      type: 'string',
    });
  });

  it('imports a schema nested as deep as the limit allows, and stores and exports it', async () => {
    // paths → components → schemas → A is 3 levels; each nested schema adds 2.
    const { definition } = await importOpenApi(
      `${head},"components":{"schemas":{"A":${nestedSchema(48)}}}}`,
    );
    expect(JSON.parse(JSON.stringify(definition)).models.A.type).toBe('object');
    const exported = exportOpenApi(definition, { format: 'swagger', api: { id: 'a', name: 't' } });
    await expect(importOpenApi(exported)).resolves.toMatchObject({
      definition: { title: 't' },
    });
  });
});

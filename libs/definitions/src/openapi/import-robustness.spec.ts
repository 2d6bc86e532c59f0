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

import { copyFileSync, mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idFromName, loadConfigFile } from './config-file.loader';

const fixtures = join(__dirname, '..', 'test', 'fixtures');

describe('loadConfigFile', () => {
  let dir: string;
  const write = (text: string): string => {
    writeFileSync(join(dir, 'portico.yaml'), text);
    return join(dir, 'portico.yaml');
  };
  const errorOf = async (text: string): Promise<string> => {
    const { result } = await loadConfigFile(write(text));
    if (result.ok) throw new Error('expected the file to be invalid');
    return result.error.message;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-loader-'));
    copyFileSync(join(fixtures, 'pets-api.yaml'), join(dir, 'pets.yaml'));
  });

  it('resolves definitions relative to the file, with ids, names and mappings', async () => {
    const { files, result } = await loadConfigFile(
      write(`
restApis:
  - definition: ./pets.yaml
    stages:
      - { name: prod, variables: { port: 3000, on: true } }
domainNames:
  - domainName: API.example.test
    basePathMappings:
      - { restApi: Control Pets, stage: prod }
      - { basePath: v1, restApi: controlpets, stage: prod }
`),
    );
    expect(files).toEqual([join(dir, 'portico.yaml'), join(dir, 'pets.yaml')]);
    if (!result.ok) throw result.error;
    expect(result.state.apis.map((a) => [a.id, a.name, a.stages])).toEqual([
      ['controlpets', 'Control Pets', [{ name: 'prod', variables: { port: '3000', on: 'true' } }]],
    ]);
    expect(result.state.domains).toEqual([
      {
        domainName: 'api.example.test',
        basePathMappings: [
          { basePath: '(none)', restApiId: 'controlpets', stage: 'prod', external: false },
          { basePath: 'v1', restApiId: 'controlpets', stage: 'prod', external: false },
        ],
      },
    ]);
  });

  it('accepts JSON as well', async () => {
    const { result } = await loadConfigFile(
      write('{"restApis": [{"id": "p", "definition": "pets.yaml"}]}'),
    );
    expect(result.ok && result.state.apis[0]!.id).toBe('p');
  });

  it.each([
    [
      'restApis:\n  - id: Bad_Id\n    definition: ./pets.yaml\n',
      /^restApis\[0\]\.id must match pattern/,
    ],
    ['restApis:\n  - name: x\n', /^restApis\[0\]\.definition is required/],
    [
      'restApis:\n  - definition: ./pets.yaml\n    stagez: []\n',
      /^restApis\[0\]\.stagez is not a known field/,
    ],
    [
      'restApis:\n  - definition: ./pets.yaml\n    stages: [{ name: "a b" }]\n',
      /^restApis\[0\]\.stages\[0\]\.name must match/,
    ],
    [
      'restApis:\n  - definition: ./pets.yaml\n    stages: [{ name: a, variables: { "x-y": "1" } }]\n',
      /^restApis\[0\]\.stages\[0\]\.variables/,
    ],
    ['domainNames:\n  - domainName: "not a host"\n', /^domainNames\[0\]\.domainName must match/],
    ['restApis: {}\n', /^restApis must be array/],
    ['', /the file is empty/],
    ['restApis: [\n', /not valid YAML or JSON/],
    [
      'restApis:\n  - definition: ./nope.yaml\n',
      /^restApis\[0\]\.definition: cannot read .*nope\.yaml \(no such file\)/,
    ],
    [
      'restApis:\n  - { id: a, definition: ./pets.yaml }\n  - { id: a, definition: ./pets.yaml }\n',
      /^restApis\[1\]\.id "a" is also the id of restApis\[0\]/,
    ],
    [
      'restApis:\n  - { id: a, definition: ./pets.yaml, stages: [{ name: p }, { name: p }] }\n',
      /^restApis\[0\]\.stages\[1\]\.name "p" appears twice/,
    ],
    [
      'restApis:\n  - { id: a, definition: ./pets.yaml, stages: [{ name: p }] }\ndomainNames:\n  - domainName: a.test\n    basePathMappings: [{ restApi: a, stage: q }]\n',
      /^domainNames\[0\]\.basePathMappings\[0\]\.stage "q" is not a stage of REST API "a"/,
    ],
    [
      'restApis:\n  - { id: a, definition: ./pets.yaml, stages: [{ name: p }] }\ndomainNames:\n  - domainName: a.test\n    basePathMappings: [{ restApi: a, stage: p }, { basePath: "(none)", restApi: a, stage: p }]\n',
      /^domainNames\[0\]\.basePathMappings\[1\]\.basePath "\(none\)" is mapped twice/,
    ],
  ])('names what is wrong in %j', async (text, message) => {
    expect(await errorOf(text)).toMatch(message);
  });

  it.each([
    ['a parent directory', '../pets.yaml'],
    ['a path that leaves and comes back', './sub/../../x/pets.yaml'],
    ['an absolute path elsewhere', '/etc/hostname'],
  ])("refuses a definition in %s, outside the file's directory", async (_where, path) => {
    expect(await errorOf(`restApis:\n  - definition: ${path}\n`)).toMatch(
      /^restApis\[0\]\.definition ".*" is outside the config file's directory/,
    );
  });

  it('takes an absolute path inside the directory', async () => {
    const { result } = await loadConfigFile(
      write(`restApis:\n  - { id: p, definition: ${join(dir, 'pets.yaml')} }\n`),
    );
    expect(result.ok && result.state.apis[0]!.definition.title).toBe('Control Pets');
  });

  it('refuses a definition that is a directory or larger than 6 MB, without reading it', async () => {
    mkdirSync(join(dir, 'defs'));
    expect(await errorOf('restApis:\n  - definition: ./defs\n')).toMatch(
      /^restApis\[0\]\.definition: .*defs is not a regular file/,
    );
    writeFileSync(join(dir, 'huge.yaml'), '');
    truncateSync(join(dir, 'huge.yaml'), 6 * 1024 * 1024 + 1);
    expect(await errorOf('restApis:\n  - definition: ./huge.yaml\n')).toMatch(
      /^restApis\[0\]\.definition: .*huge\.yaml is larger than 6 MB/,
    );
  });

  it('refuses a config file that names itself as a definition, saying why', async () => {
    expect(await errorOf('restApis:\n  - definition: ./portico.yaml\n')).toMatch(
      /^restApis\[0\]\.definition \(portico\.yaml\): The document is not an API definition/,
    );
  });

  it('refuses a YAML alias bomb and a document nested too deeply for the parser', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const [prev, next] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      bomb.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    expect(await errorOf(bomb.join('\n'))).toMatch(/^not valid YAML or JSON: Excessive alias/);
    expect(await errorOf(`restApis: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`)).toMatch(
      /^not valid YAML or JSON/,
    );
  });

  it('names the definition that does not import', async () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      'openapi: 3.0.1\ninfo: { title: x, version: "1" }\npaths:\n  /a:\n    get:\n      responses: { "200": { description: ok } }\n      x-amazon-apigateway-integration: { type: aws, uri: "x" }\n',
    );
    expect(await errorOf('restApis:\n  - definition: ./bad.yaml\n')).toMatch(
      /^restApis\[0\]\.definition \(bad\.yaml\): Unsupported integration type/,
    );
  });

  it('derives ids from names', () => {
    expect(idFromName('Demo API')).toBe('demoapi');
    expect(idFromName('X'.repeat(40))).toBe('x'.repeat(32));
    expect(idFromName('ü!')).toMatch(/^[a-f0-9]{10}$/);
  });
});

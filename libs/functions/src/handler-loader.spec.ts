import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HandlerLoadError, loadHandler } from './handler-loader';
import type { LambdaContext } from './lambda.types';

const context = {} as LambdaContext;
const noCallback = (): void => undefined;

describe('loadHandler', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-fn-'));
    writeFileSync(
      join(dir, 'cjs-handler.js'),
      'exports.handler = async (event) => ({ statusCode: 200, body: "cjs:" + event.x });\n',
    );
    writeFileSync(
      join(dir, 'named.cjs'),
      'module.exports = { main: (event, context, callback) => callback(null, "named") };\n',
    );
    writeFileSync(join(dir, 'no-handler.js'), 'exports.other = () => 1;\nexports.more = 2;\n');
    writeFileSync(join(dir, 'not-function.js'), 'exports.handler = 42;\n');
    writeFileSync(join(dir, 'broken.js'), 'throw new Error("module init failed");\n');
    mkdirSync(join(dir, 'esm-pkg'));
    writeFileSync(join(dir, 'esm-pkg', 'package.json'), '{"type":"module"}\n');
    writeFileSync(
      join(dir, 'esm-pkg', 'handler.js'),
      'export const handler = async () => "esm-js";\n',
    );
    writeFileSync(
      join(dir, 'esm-handler.mjs'),
      'export const handler = async (event) => ({ statusCode: 200, body: "esm:" + event.x });\n',
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the handler export of a CommonJS module, relative to the working directory', async () => {
    const handler = await loadHandler('./cjs-handler.js', 'handler', dir);
    expect(await handler({ x: 1 }, context, noCallback)).toEqual({
      statusCode: 200,
      body: 'cjs:1',
    });
  });

  it('loads another named export from a .cjs module', async () => {
    const handler = await loadHandler(join(dir, 'named.cjs'), 'main');
    const result = await new Promise((resolve) =>
      handler({}, context, (_err, value) => resolve(value)),
    );
    expect(result).toBe('named');
  });

  it('says the module is missing', async () => {
    await expect(loadHandler('./nope.js', 'handler', dir)).rejects.toThrow(HandlerLoadError);
    await expect(loadHandler('./nope.js', 'handler', dir)).rejects.toThrow(
      /Handler module not found: \.\/nope\.js/,
    );
  });

  it('says the export is missing and lists what there is', async () => {
    await expect(loadHandler('./no-handler.js', 'handler', dir)).rejects.toThrow(
      /no function export "handler" \(exports: other, more\)/,
    );
    await expect(loadHandler('./not-function.js', 'handler', dir)).rejects.toThrow(
      /no function export "handler"/,
    );
  });

  it('reports a module that throws while loading', async () => {
    await expect(loadHandler('./broken.js', 'handler', dir)).rejects.toThrow(
      /failed to load: module init failed/,
    );
  });

  // jest runs modules in a VM without native import(); a plain Node child (which strips the
  // loader's types) exercises the ES-module path for real.
  const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);
  (stripsTypes ? it : it.skip)(
    'loads ES modules (.mjs, and .js in a "type": "module" package) and CommonJS in plain Node',
    async () => {
      const script = [
        `import { loadHandler } from ${JSON.stringify(join(__dirname, 'handler-loader.ts'))};`,
        `const dir = ${JSON.stringify(dir)};`,
        `const mjs = await loadHandler('./esm-handler.mjs', 'handler', dir);`,
        `const esmJs = await loadHandler('./esm-pkg/handler.js', 'handler', dir);`,
        `const cjs = await loadHandler('./cjs-handler.js', 'handler', dir);`,
        `console.log(JSON.stringify([await mjs({ x: 2 }), await esmJs({}), await cjs({ x: 3 })]));`,
      ].join('\n');
      const { stdout } = await promisify(execFile)(process.execPath, [
        '--no-warnings',
        '--input-type=module',
        '-e',
        script,
      ]);
      expect(JSON.parse(stdout)).toEqual([
        { statusCode: 200, body: 'esm:2' },
        'esm-js',
        { statusCode: 200, body: 'cjs:3' },
      ]);
    },
  );
});

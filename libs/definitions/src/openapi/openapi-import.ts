import type { ApiDefinition, MethodKey } from '../model/api-definition';
import { childLocation, isObject, type JsonObject, nestedDeeperThan } from '../util/json';
import { DefinitionError } from './definition-error';
import { parseDocument } from './document-format';
import { detectFlavor, validateDocument, type DocumentFlavor } from './document-validate';
import { importTopLevel } from './extensions-import';
import { readObject } from './field-readers';
import { ImportContext } from './import-context';
import { importMethod, type MethodImportScope } from './method-import';
import { deref, OAS3_SCHEMA_PREFIX, rewriteRefs, SWAGGER_SCHEMA_PREFIX } from './openapi-refs';
import type { ImportOptions, ImportResult } from './openapi.types';
import { pathSegments, ResourceTree } from './resource-tree';
import { classifySchemes } from './security-import';
import { DEFAULT_MEDIA_TYPES, stringList } from './swagger-convert';

export const ANY_METHOD_EXTENSION = 'x-amazon-apigateway-any-method';
/**
 * Deepest nesting of objects and arrays a definition may have. Real documents stay far below
 * it; deeper ones would overflow the stack in schema validation and in JSON.stringify.
 */
export const MAX_DOCUMENT_DEPTH = 100;
const METHOD_KEYS: Record<string, MethodKey> = {
  get: 'GET',
  post: 'POST',
  put: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  head: 'HEAD',
  options: 'OPTIONS',
  [ANY_METHOD_EXTENSION]: 'ANY',
};

/**
 * ImportRestApi / PutRestApi: an OpenAPI 3.0 or Swagger 2.0 document with API Gateway
 * extensions → the API definition. Throws DefinitionError (nothing half-imported) when the
 * document is invalid or asks for what Portico cannot do.
 */
export async function importOpenApi(
  doc: string | Buffer | Record<string, unknown>,
  opts: ImportOptions = {},
): Promise<ImportResult> {
  const text = typeof doc === 'string' || Buffer.isBuffer(doc);
  const parsed = text ? parseDocument(doc) : doc;
  if (nestedDeeperThan(parsed, MAX_DOCUMENT_DEPTH)) {
    throw new DefinitionError(
      `The API definition nests objects and arrays more than ${MAX_DOCUMENT_DEPTH} levels deep`,
    );
  }
  const document = text ? parsed : copyOf(parsed);
  if (isObject(document.info) && typeof document.info.version === 'number') {
    document.info.version = String(document.info.version);
  }
  const flavor = detectFlavor(document);
  validateDocument(document, flavor);
  const ctx = new ImportContext(document, flavor);
  const info = readObject(document.info, 'info');
  const top = importTopLevel(ctx);
  const components = isObject(document.components) ? document.components : {};
  const schemesLocation = flavor === 'oas3' ? 'components.securitySchemes' : 'securityDefinitions';
  const securitySchemes = securitySchemesOf(
    ctx,
    flavor === 'oas3' ? components.securitySchemes : document.securityDefinitions,
    schemesLocation,
  );
  const scope: MethodImportScope = {
    schemeKinds: classifySchemes(securitySchemes, schemesLocation, ctx),
    warnedSchemes: new Set(),
    topLevelSecurity: document.security,
    validators: top.validators,
    media: {
      consumes: stringList(document.consumes) ?? DEFAULT_MEDIA_TYPES,
      produces: stringList(document.produces) ?? DEFAULT_MEDIA_TYPES,
    },
  };
  if (top.defaultValidator !== undefined) scope.defaultValidator = top.defaultValidator;

  const tree = importPaths(
    ctx,
    scope,
    basePathSegments(document, flavor, opts.basepath ?? 'ignore'),
  );
  if (opts.failOnWarnings && ctx.warnings.length) {
    throw new DefinitionError(
      `Import failed on warnings (failOnWarnings): ${ctx.warnings.join('; ')}`,
    );
  }
  const models = flavor === 'oas3' ? components.schemas : document.definitions;
  const definition: ApiDefinition = {
    title: String(info.title),
    binaryMediaTypes: top.binaryMediaTypes,
    apiKeySource: top.apiKeySource,
    gatewayResponses: top.gatewayResponses,
    resources: tree.list(),
    models: isObject(models)
      ? (rewriteRefs(models, SWAGGER_SCHEMA_PREFIX, OAS3_SCHEMA_PREFIX) as JsonObject)
      : {},
    securitySchemes,
    extensions: top.extensions,
  };
  if (typeof info.version === 'string') definition.version = info.version;
  if (typeof info.description === 'string') definition.description = info.description;
  if (top.minimumCompressionSize !== undefined)
    definition.minimumCompressionSize = top.minimumCompressionSize;
  return { definition, warnings: ctx.warnings };
}

function importPaths(ctx: ImportContext, scope: MethodImportScope, prefix: string[]): ResourceTree {
  const tree = new ResourceTree();
  const operationIds = new Set<string>();
  const paths = isObject(ctx.doc.paths) ? ctx.doc.paths : {};
  for (const [docPath, value] of Object.entries(paths)) {
    if (docPath.startsWith('x-')) continue;
    const location = childLocation('paths', docPath);
    const item = readObject(deref(ctx.doc, value, location), location);
    const segments = [...prefix, ...pathSegments(docPath, location)];
    const resource = tree.ensure(segments, location);
    const pathVariables = new Set(
      segments.filter((s) => s.startsWith('{')).map((s) => s.slice(1, -1).replace(/\+$/, '')),
    );
    for (const [field, operation] of Object.entries(item)) {
      const opLocation = childLocation(location, field);
      const key = METHOD_KEYS[field];
      if (!key) {
        if (field === 'trace')
          ctx.warn('API Gateway has no TRACE method; the operation was ignored', opLocation);
        else if (field.startsWith('x-amazon-apigateway-')) {
          ctx.warn(`Unknown extension '${field}' was ignored`, opLocation);
        }
        continue;
      }
      const method = importMethod(
        {
          key,
          resourcePath: resource.path,
          pathVariables,
          operation,
          pathParameters: item.parameters,
          location: opLocation,
        },
        scope,
        ctx,
      );
      if (method.operationId !== undefined) {
        if (operationIds.has(method.operationId)) {
          ctx.warn(`Duplicate operationId '${method.operationId}'`, opLocation);
        }
        operationIds.add(method.operationId);
      }
      tree.addMethod(resource, key, method, opLocation);
    }
  }
  return tree;
}

function securitySchemesOf(ctx: ImportContext, value: unknown, location: string): JsonObject {
  if (!isObject(value)) return {};
  return Object.fromEntries(
    Object.entries(value).map(([name, scheme]) => [
      name,
      deref(ctx.doc, scheme, childLocation(location, name)),
    ]),
  );
}

/**
 * The base path per ImportRestApi's `basepath`: Swagger `basePath`; for OpenAPI 3 a `basePath`
 * server variable's default, else the path of `servers[0].url`.
 */
function basePathSegments(
  doc: JsonObject,
  flavor: DocumentFlavor,
  mode: NonNullable<ImportOptions['basepath']>,
): string[] {
  if (mode === 'ignore') return [];
  const basePath =
    flavor === 'swagger2'
      ? typeof doc.basePath === 'string'
        ? doc.basePath
        : ''
      : oas3BasePath(doc);
  const segments = basePath.split('/').filter((s) => s !== '');
  const prefix = mode === 'split' ? segments.slice(1) : segments;
  return prefix.length
    ? pathSegments(`/${prefix.join('/')}`, flavor === 'swagger2' ? 'basePath' : 'servers')
    : [];
}

function oas3BasePath(doc: JsonObject): string {
  const servers = Array.isArray(doc.servers) ? doc.servers.filter(isObject) : [];
  for (const server of servers) {
    const variable = isObject(server.variables) ? server.variables.basePath : undefined;
    if (isObject(variable) && typeof variable.default === 'string') return variable.default;
  }
  const url = servers[0]?.url;
  if (typeof url !== 'string') return '';
  // Server variables other than basePath stand for their defaults.
  const variables = isObject(servers[0]!.variables) ? servers[0]!.variables : {};
  const expanded = url.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const v = variables[name];
    return isObject(v) && typeof v.default === 'string' ? v.default : '';
  });
  try {
    return new URL(expanded, 'http://relative.invalid').pathname;
  } catch {
    return '';
  }
}

function copyOf(doc: Record<string, unknown>): JsonObject {
  if (!isObject(doc)) {
    throw new DefinitionError(
      'The API definition must be an object (an OpenAPI 3.0 or Swagger 2.0 document)',
    );
  }
  try {
    return structuredClone(doc);
  } catch (err) {
    throw new DefinitionError(
      `The API definition is not plain JSON data: ${(err as Error).message}`,
    );
  }
}

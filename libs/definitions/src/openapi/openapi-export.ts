import type { ApiDefinition, MethodKey, Resource } from '../model/api-definition';
import { isObject, type JsonObject } from '../util/json';
import { X } from './extensions-import';
import { ANY_METHOD_EXTENSION } from './openapi-import';
import { OAS3_SCHEMA_PREFIX, rewriteRefs, SWAGGER_SCHEMA_PREFIX } from './openapi-refs';
import type { ExportOptions } from './openapi.types';
import { exportOperation, type OperationExportScope } from './operation-export';

const PATH_ITEM_KEYS: [MethodKey, string][] = [
  ['GET', 'get'],
  ['POST', 'post'],
  ['PUT', 'put'],
  ['PATCH', 'patch'],
  ['DELETE', 'delete'],
  ['HEAD', 'head'],
  ['OPTIONS', 'options'],
  ['ANY', ANY_METHOD_EXTENSION],
];
const AWS_EXTENSION_PREFIX = 'x-amazon-apigateway-';
const DEFAULT_API_KEY_SCHEME = 'api_key';

/**
 * GetExport: the definition as an OpenAPI 3.0.1 or Swagger 2.0 document. With extensions (the
 * default, unless `none` or `postman`) the document imports again to an equal definition.
 */
export function exportOpenApi(def: ApiDefinition, opts: ExportOptions): Record<string, unknown> {
  const withExtensions = opts.extensions !== 'none' && opts.extensions !== 'postman';
  const host = opts.host ?? `${opts.api.id}.execute-api.localhost`;
  const info: JsonObject = { title: opts.api.name };
  const description = opts.api.description ?? def.description;
  if (description !== undefined) info.description = description;
  info.version = opts.api.version ?? def.version ?? new Date().toISOString();

  const apiKeyScheme = apiKeySchemeName(def);
  const securitySchemes = exportSecuritySchemes(def, opts.format, withExtensions, apiKeyScheme);
  const scope: OperationExportScope = {
    format: opts.format,
    withExtensions,
    apiKeyScheme,
    securitySchemes,
  };
  const paths = exportPaths(def.resources, scope);
  const extensions = topLevelExtensions(def, withExtensions);

  if (opts.format === 'swagger') {
    const doc: JsonObject = {
      swagger: '2.0',
      info,
      host,
      basePath: opts.stage ? `/${opts.stage.stageName}` : '/',
      schemes: ['https'],
      paths,
    };
    if (Object.keys(securitySchemes).length) doc.securityDefinitions = securitySchemes;
    if (Object.keys(def.models).length) {
      doc.definitions = rewriteRefs(def.models, OAS3_SCHEMA_PREFIX, SWAGGER_SCHEMA_PREFIX);
    }
    return { ...doc, ...extensions };
  }
  const server: JsonObject = opts.stage
    ? {
        url: `https://${host}/{basePath}`,
        variables: { basePath: { default: opts.stage.stageName } },
      }
    : { url: `https://${host}` };
  const doc: JsonObject = { openapi: '3.0.1', info, servers: [server], paths };
  const components: JsonObject = {};
  if (Object.keys(def.models).length) components.schemas = def.models;
  if (Object.keys(securitySchemes).length) components.securitySchemes = securitySchemes;
  if (Object.keys(components).length) doc.components = components;
  return { ...doc, ...extensions };
}

function exportPaths(resources: Resource[], scope: OperationExportScope): JsonObject {
  const parents = new Set(resources.map((r) => r.parentId).filter((id) => id !== undefined));
  const paths: JsonObject = {};
  for (const resource of resources) {
    const methods = PATH_ITEM_KEYS.filter(([key]) => resource.methods[key] !== undefined);
    // A resource without methods is implied by its children; a leaf one is kept explicitly.
    if (!methods.length && (resource.path === '/' || parents.has(resource.id))) continue;
    const item: JsonObject = {};
    for (const [key, field] of methods)
      item[field] = exportOperation(resource.methods[key]!, scope);
    paths[resource.path] = item;
  }
  return paths;
}

function topLevelExtensions(def: ApiDefinition, withExtensions: boolean): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(def.extensions)) {
    if (withExtensions || !key.startsWith(AWS_EXTENSION_PREFIX)) out[key] = value;
  }
  if (!withExtensions) return out;
  if (def.binaryMediaTypes.length) out[X.binaryMediaTypes] = def.binaryMediaTypes;
  out[X.apiKeySource] = def.apiKeySource;
  if (def.minimumCompressionSize !== undefined)
    out[X.minimumCompressionSize] = def.minimumCompressionSize;
  const responses = Object.values(def.gatewayResponses);
  if (responses.length) {
    out[X.gatewayResponses] = Object.fromEntries(
      responses.map(({ responseType, ...rest }) => {
        const response: JsonObject = {};
        if (rest.statusCode !== undefined) response.statusCode = rest.statusCode;
        if (Object.keys(rest.responseParameters).length)
          response.responseParameters = rest.responseParameters;
        if (Object.keys(rest.responseTemplates).length)
          response.responseTemplates = rest.responseTemplates;
        return [responseType, response];
      }),
    );
  }
  return out;
}

/** Security schemes in the target format; API Gateway extensions only when asked for. */
function exportSecuritySchemes(
  def: ApiDefinition,
  format: ExportOptions['format'],
  withExtensions: boolean,
  apiKeyScheme: string,
): JsonObject {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(def.securitySchemes)) {
    if (!isObject(value)) continue;
    const scheme = withExtensions
      ? { ...value }
      : Object.fromEntries(
          Object.entries(value).filter(([k]) => !k.startsWith(AWS_EXTENSION_PREFIX)),
        );
    const converted = format === 'swagger' ? toSwaggerScheme(scheme) : toOas3Scheme(scheme);
    if (converted) out[name] = converted;
  }
  const requiresKey = def.resources.some((r) =>
    Object.values(r.methods).some((m) => m?.apiKeyRequired),
  );
  if (requiresKey && out[apiKeyScheme] === undefined) {
    out[apiKeyScheme] = { type: 'apiKey', name: 'x-api-key', in: 'header' };
  }
  return out;
}

/** The scheme that stands for API Gateway's API key: the imported one, else `api_key`. */
function apiKeySchemeName(def: ApiDefinition): string {
  const found = Object.entries(def.securitySchemes).find(
    ([, scheme]) =>
      isObject(scheme) &&
      scheme.type === 'apiKey' &&
      scheme['x-amazon-apigateway-authorizer'] === undefined &&
      scheme['x-amazon-apigateway-authtype'] === undefined,
  );
  return found ? found[0] : DEFAULT_API_KEY_SCHEME;
}

/** Swagger has `basic`, `apiKey` and `oauth2`; only the first two carry over without loss. */
function toSwaggerScheme(scheme: JsonObject): JsonObject | undefined {
  if (scheme.type === 'apiKey' || scheme.type === 'basic') return scheme;
  if (scheme.type === 'http' && String(scheme.scheme).toLowerCase() === 'basic') {
    const { scheme: _s, bearerFormat: _b, ...rest } = scheme;
    return { ...rest, type: 'basic' };
  }
  return undefined;
}

function toOas3Scheme(scheme: JsonObject): JsonObject | undefined {
  if (scheme.type === 'basic') return { ...scheme, type: 'http', scheme: 'basic' };
  if (scheme.type === 'oauth2' && scheme.flows === undefined) return undefined;
  return scheme;
}

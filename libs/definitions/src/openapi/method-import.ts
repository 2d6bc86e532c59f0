import type { Method, MethodKey, MethodResponse } from '../model/api-definition';
import { childLocation, isObject, type JsonObject } from '../util/json';
import { DefinitionError } from './definition-error';
import { readObject } from './field-readers';
import type { ImportContext } from './import-context';
import { importIntegration, INTEGRATION_EXTENSION } from './integration-import';
import { deref, modelNameOf } from './openapi-refs';
import { applyAuthExtension, methodAuth, type SchemeKind } from './security-import';
import { swaggerOperationToOas3, type SwaggerMediaTypes } from './swagger-convert';

export const VALIDATOR_EXTENSION = 'x-amazon-apigateway-request-validator';
export const AUTH_EXTENSION = 'x-amazon-apigateway-auth';
const KNOWN_OPERATION_EXTENSIONS = new Set([
  INTEGRATION_EXTENSION,
  VALIDATOR_EXTENSION,
  AUTH_EXTENSION,
]);
/**
 * Operation members that the Method models; `raw` keeps the rest (in OpenAPI 3 form) so export
 * regenerates these from the model and re-import gives back an equal definition.
 */
const MODELED_KEYS = ['operationId', 'summary', 'security', ...KNOWN_OPERATION_EXTENSIONS];
const PARAMETER_SOURCES: Record<string, string> = {
  path: 'path',
  query: 'querystring',
  header: 'header',
};

/** Document-wide inputs every method import reads. */
export interface MethodImportScope {
  schemeKinds: Map<string, SchemeKind>;
  warnedSchemes: Set<string>;
  topLevelSecurity: unknown;
  /** Names in `x-amazon-apigateway-request-validators`. */
  validators: Set<string>;
  defaultValidator?: string;
  media: SwaggerMediaTypes;
}

export interface MethodSource {
  key: MethodKey;
  /** The resource path after the base path was applied. */
  resourcePath: string;
  pathVariables: Set<string>;
  operation: unknown;
  pathParameters: unknown;
  location: string;
}

export function importMethod(
  source: MethodSource,
  scope: MethodImportScope,
  ctx: ImportContext,
): Method {
  const { key, location } = source;
  const label = `${key} ${source.resourcePath}`;
  const op = readObject(source.operation, location);
  const parameters = mergeParameters(ctx, source.pathParameters, op.parameters, location);
  const responses = resolveResponses(ctx, op.responses, childLocation(location, 'responses'));
  const normalized =
    ctx.flavor === 'swagger2'
      ? swaggerOperationToOas3(op, parameters, responses, scope.media)
      : oas3Operation(ctx, op, parameters, responses, location);

  for (const field of Object.keys(op)) {
    if (field.startsWith('x-amazon-apigateway-') && !KNOWN_OPERATION_EXTENSIONS.has(field)) {
      ctx.warn(
        `Unknown extension '${field}' was kept but is not applied`,
        childLocation(location, field),
      );
    }
  }
  const requestParameters = requestParametersOf(normalized.parameters);
  const auth = methodAuth(
    op.security ?? scope.topLevelSecurity,
    scope.schemeKinds,
    scope.warnedSchemes,
    ctx,
    childLocation(location, 'security'),
  );
  applyAuthExtension(auth, op[AUTH_EXTENSION], childLocation(location, AUTH_EXTENSION));

  const method: Method = {
    httpMethod: key,
    authorizationType: auth.authorizationType,
    apiKeyRequired: auth.apiKeyRequired,
    requestParameters,
    methodResponses: methodResponsesOf(normalized.responses),
    integration: importIntegration(
      op[INTEGRATION_EXTENSION],
      { key, label, requestParameters, pathVariables: source.pathVariables },
      ctx,
      location,
    ),
    raw: Object.fromEntries(Object.entries(normalized).filter(([k]) => !MODELED_KEYS.includes(k))),
  };
  if (typeof op.operationId === 'string') method.operationId = op.operationId;
  if (typeof op.summary === 'string') method.summary = op.summary;
  if (auth.authorizerName !== undefined) method.authorizerName = auth.authorizerName;
  if (auth.authorizationScopes) method.authorizationScopes = auth.authorizationScopes;
  const validator = requestValidator(
    op[VALIDATOR_EXTENSION] ?? scope.defaultValidator,
    scope,
    location,
  );
  if (validator !== undefined) method.requestValidator = validator;
  return method;
}

/** Path-item parameters overridden by the operation's own (same `in` and `name`). */
function mergeParameters(
  ctx: ImportContext,
  pathLevel: unknown,
  operationLevel: unknown,
  location: string,
): JsonObject[] {
  const merged = new Map<string, JsonObject>();
  for (const list of [pathLevel, operationLevel]) {
    if (!Array.isArray(list)) continue;
    list.forEach((entry, index) => {
      const at = childLocation(location, `parameters.${index}`);
      const param = deref(ctx.doc, entry, at);
      if (!isObject(param) || typeof param.name !== 'string' || typeof param.in !== 'string') {
        throw new DefinitionError("A parameter needs a 'name' and an 'in'", at);
      }
      merged.set(`${param.in}:${param.name}`, param);
    });
  }
  return [...merged.values()];
}

function resolveResponses(
  ctx: ImportContext,
  value: unknown,
  location: string,
): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  if (!isObject(value)) return out;
  for (const [code, entry] of Object.entries(value)) {
    if (code.startsWith('x-')) continue;
    const at = childLocation(location, code);
    const response = deref(ctx.doc, entry, at);
    if (!isObject(response)) throw new DefinitionError('Expected a response object', at);
    out[code] = response;
  }
  return out;
}

function oas3Operation(
  ctx: ImportContext,
  op: JsonObject,
  parameters: JsonObject[],
  responses: Record<string, JsonObject>,
  location: string,
): JsonObject {
  const out: JsonObject = { ...op };
  delete out.parameters;
  if (parameters.length) out.parameters = parameters;
  if (op.requestBody !== undefined) {
    out.requestBody = deref(ctx.doc, op.requestBody, childLocation(location, 'requestBody'));
  }
  out.responses = Object.fromEntries(
    Object.entries(responses).map(([code, response]) => {
      if (!isObject(response.headers)) return [code, response];
      const at = childLocation(location, `responses.${code}.headers`);
      const headers = Object.fromEntries(
        Object.entries(response.headers).map(([name, h]) => [
          name,
          deref(ctx.doc, h, childLocation(at, name)),
        ]),
      );
      return [code, { ...response, headers }];
    }),
  );
  return out;
}

function requestParametersOf(parameters: unknown): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  if (!Array.isArray(parameters)) return out;
  for (const param of parameters as JsonObject[]) {
    const where = PARAMETER_SOURCES[String(param.in)];
    if (!where) continue;
    out[`method.request.${where}.${String(param.name)}`] =
      where === 'path' || param.required === true;
  }
  return out;
}

function methodResponsesOf(responses: unknown): MethodResponse[] {
  if (!isObject(responses)) return [];
  const out: MethodResponse[] = [];
  for (const [code, response] of Object.entries(responses)) {
    // API Gateway method responses are concrete status codes; `default` and `2XX` stay in raw.
    if (!/^[1-5]\d{2}$/.test(code) || !isObject(response)) continue;
    const responseParameters: Record<string, boolean> = {};
    for (const [name, header] of Object.entries(
      isObject(response.headers) ? response.headers : {},
    )) {
      responseParameters[`method.response.header.${name}`] =
        isObject(header) && header.required === true;
    }
    const responseModels: Record<string, string> = {};
    for (const [type, media] of Object.entries(
      isObject(response.content) ? response.content : {},
    )) {
      const model = isObject(media) ? modelNameOf(media.schema) : undefined;
      if (model) responseModels[type] = model;
    }
    out.push({ statusCode: code, responseParameters, responseModels });
  }
  return out;
}

function requestValidator(
  value: unknown,
  scope: MethodImportScope,
  location: string,
): string | undefined {
  if (value === undefined) return undefined;
  const at = childLocation(location, VALIDATOR_EXTENSION);
  if (typeof value !== 'string') throw new DefinitionError('Expected a request validator name', at);
  if (!scope.validators.has(value)) {
    throw new DefinitionError(
      `Request validator '${value}' is not defined in x-amazon-apigateway-request-validators`,
      at,
    );
  }
  return value;
}

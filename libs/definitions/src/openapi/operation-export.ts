import type { Integration, Method } from '../model/api-definition';
import { isObject, type JsonObject } from '../util/json';
import { INTEGRATION_EXTENSION } from './integration-import';
import { AUTH_EXTENSION, VALIDATOR_EXTENSION } from './method-import';
import { OAS3_SCHEMA_PREFIX } from './openapi-refs';
import { oas3OperationToSwagger } from './swagger-convert';

const PARAMETER_IN: Record<string, string> = {
  path: 'path',
  querystring: 'query',
  header: 'header',
};
const METHOD_PARAMETER = /^method\.request\.(path|querystring|header)\.(.+)$/;
const RESPONSE_HEADER = 'method.response.header.';

export interface OperationExportScope {
  format: 'oas30' | 'swagger';
  withExtensions: boolean;
  /** The security scheme that stands for the API key, when a method requires one. */
  apiKeyScheme: string;
  securitySchemes: JsonObject;
}

/** One method as an OpenAPI operation: the model for what it models, `raw` for the rest. */
export function exportOperation(method: Method, scope: OperationExportScope): JsonObject {
  const { parameters: _p, requestBody, responses: _r, ...rest } = rawOf(method);
  const op: JsonObject = { ...rest };
  if (method.operationId !== undefined) op.operationId = method.operationId;
  if (method.summary !== undefined) op.summary = method.summary;
  const parameters = exportParameters(method);
  if (parameters.length) op.parameters = parameters;
  if (requestBody !== undefined) op.requestBody = requestBody;
  op.responses = exportResponses(method);
  const security = exportSecurity(method, scope);
  if (security) op.security = security;
  if (scope.withExtensions) {
    if (method.requestValidator !== undefined) op[VALIDATOR_EXTENSION] = method.requestValidator;
    if (method.authorizationType === 'AWS_IAM' && method.authorizerName === undefined) {
      op[AUTH_EXTENSION] = { type: 'AWS_IAM' };
    }
    op[INTEGRATION_EXTENSION] = exportIntegration(method.integration);
  }
  return scope.format === 'swagger' ? oas3OperationToSwagger(op) : op;
}

/** Methods built by code rather than imported may have no raw operation. */
function rawOf(method: Method): JsonObject {
  return isObject(method.raw) ? method.raw : {};
}

function exportParameters(method: Method): JsonObject[] {
  const out: JsonObject[] = [];
  const covered = new Set<string>();
  const parameters = rawOf(method).parameters;
  const raw = Array.isArray(parameters) ? parameters.filter(isObject) : [];
  for (const param of raw) {
    const where = Object.entries(PARAMETER_IN).find(([, inValue]) => inValue === param.in)?.[0];
    if (!where) {
      out.push(param);
      continue;
    }
    const key = `method.request.${where}.${String(param.name)}`;
    const required = method.requestParameters[key];
    if (required === undefined) continue;
    covered.add(key);
    out.push((param.required === true) === required ? param : { ...param, required });
  }
  for (const [key, required] of Object.entries(method.requestParameters)) {
    const match = METHOD_PARAMETER.exec(key);
    if (covered.has(key) || !match) continue;
    out.push({ name: match[2], in: PARAMETER_IN[match[1]!], required, schema: { type: 'string' } });
  }
  return out;
}

function exportResponses(method: Method): JsonObject {
  const responses = rawOf(method).responses;
  const raw = isObject(responses) ? responses : {};
  const out: JsonObject = {};
  for (const response of method.methodResponses) {
    const base = raw[response.statusCode];
    const exported: JsonObject = isObject(base)
      ? { ...base }
      : { description: `${response.statusCode} response` };
    const rawHeaders = isObject(exported.headers) ? exported.headers : {};
    const headers: JsonObject = {};
    for (const [param, required] of Object.entries(response.responseParameters)) {
      if (!param.startsWith(RESPONSE_HEADER)) continue;
      const name = param.slice(RESPONSE_HEADER.length);
      const header = isObject(rawHeaders[name]) ? rawHeaders[name] : { schema: { type: 'string' } };
      headers[name] = (header.required === true) === required ? header : { ...header, required };
    }
    if (Object.keys(headers).length) exported.headers = headers;
    else delete exported.headers;
    const content: JsonObject = isObject(exported.content) ? { ...exported.content } : {};
    for (const [type, model] of Object.entries(response.responseModels)) {
      const media = isObject(content[type]) ? content[type] : {};
      const ref = `${OAS3_SCHEMA_PREFIX}${model}`;
      if (!isObject(media.schema) || media.schema.$ref !== ref)
        content[type] = { ...media, schema: { $ref: ref } };
    }
    if (Object.keys(content).length) exported.content = content;
    out[response.statusCode] = exported;
  }
  // `default` and range responses are not method responses in API Gateway; raw keeps them.
  for (const [code, response] of Object.entries(raw)) {
    if (!/^[1-5]\d{2}$/.test(code)) out[code] = response;
  }
  return out;
}

function exportSecurity(method: Method, scope: OperationExportScope): JsonObject[] | undefined {
  const requirement: JsonObject = {};
  const name = method.authorizerName;
  if (
    name !== undefined &&
    method.authorizationType !== 'NONE' &&
    scope.securitySchemes[name] !== undefined
  ) {
    requirement[name] = method.authorizationScopes ?? [];
  }
  if (method.apiKeyRequired) requirement[scope.apiKeyScheme] = [];
  return Object.keys(requirement).length ? [requirement] : undefined;
}

export function exportIntegration(integration: Integration): JsonObject {
  const out: JsonObject = { type: integration.type.toLowerCase() };
  if (integration.httpMethod !== undefined) out.httpMethod = integration.httpMethod;
  if (integration.uri !== undefined) out.uri = integration.uri;
  if (integration.responses.length) {
    out.responses = Object.fromEntries(
      integration.responses.map((r) => {
        const response: JsonObject = { statusCode: r.statusCode };
        if (Object.keys(r.responseParameters).length)
          response.responseParameters = r.responseParameters;
        if (Object.keys(r.responseTemplates).length)
          response.responseTemplates = r.responseTemplates;
        if (r.contentHandling !== undefined) response.contentHandling = r.contentHandling;
        return [r.selectionPattern, response];
      }),
    );
  }
  if (Object.keys(integration.requestParameters).length)
    out.requestParameters = integration.requestParameters;
  if (Object.keys(integration.requestTemplates).length)
    out.requestTemplates = integration.requestTemplates;
  out.passthroughBehavior = integration.passthroughBehavior.toLowerCase();
  out.timeoutInMillis = integration.timeoutInMillis;
  if (integration.contentHandling !== undefined) out.contentHandling = integration.contentHandling;
  if (integration.cacheKeyParameters.length)
    out.cacheKeyParameters = integration.cacheKeyParameters;
  if (integration.cacheNamespace !== undefined) out.cacheNamespace = integration.cacheNamespace;
  return out;
}

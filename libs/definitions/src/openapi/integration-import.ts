import {
  DEFAULT_TIMEOUT_MS,
  HTTP_METHODS,
  INTEGRATION_TYPES,
  MAX_TIMEOUT_MS,
  MIN_TIMEOUT_MS,
  type ContentHandling,
  type Integration,
  type IntegrationResponse,
  type IntegrationType,
  type MethodKey,
  type PassthroughBehavior,
} from '../model/api-definition';
import { functionNameFromUri } from '../util/function-name';
import { childLocation } from '../util/json';
import { DefinitionError } from './definition-error';
import {
  enumValue,
  integerInRange,
  optionalString,
  readObject,
  statusCode,
  stringArray,
  stringMap,
} from './field-readers';
import type { ImportContext } from './import-context';

export const INTEGRATION_EXTENSION = 'x-amazon-apigateway-integration';
const PASSTHROUGH: readonly PassthroughBehavior[] = ['WHEN_NO_MATCH', 'WHEN_NO_TEMPLATES', 'NEVER'];
const CONTENT_HANDLING: readonly ContentHandling[] = ['CONVERT_TO_BINARY', 'CONVERT_TO_TEXT'];
const INTEGRATION_HTTP_METHODS = [...HTTP_METHODS, 'ANY'] as const;
const KNOWN_FIELDS = new Set([
  'type',
  'httpMethod',
  'uri',
  'timeoutInMillis',
  'requestParameters',
  'requestTemplates',
  'passthroughBehavior',
  'contentHandling',
  'cacheKeyParameters',
  'cacheNamespace',
  'responses',
  'connectionType',
]);
const STAGE_VARIABLE = /\$\{stageVariables\.[A-Za-z0-9_]+\}/g;
/** A stage variable standing for the port (`host:${stageVariables.port}/`). */
const STAGE_PORT = /:\$\{stageVariables\.[A-Za-z0-9_]+\}(?=[/?#]|$)/g;
const TARGET_PARAMETER =
  /^integration\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.\S+$/;
const METHOD_PARAMETER =
  /^method\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.(\S+)$/;
const OTHER_SOURCE =
  /^(?:method\.request\.body(?:\..+)?|'.*'|stageVariables\.\w+|context\.[\w.]+)$/s;

/** What the integration needs to know about the method it belongs to. */
export interface MethodScope {
  key: MethodKey;
  /** `GET /pets`, for messages. */
  label: string;
  /** `method.request.*` names the method declares. */
  requestParameters: Record<string, boolean>;
  /** Variables in the resource path (`id`, `proxy`). */
  pathVariables: Set<string>;
}

export function importIntegration(
  value: unknown,
  method: MethodScope,
  ctx: ImportContext,
  methodLocation: string,
): Integration {
  if (value === undefined) {
    throw new DefinitionError(`No integration defined for method ${method.label}`, methodLocation);
  }
  const location = childLocation(methodLocation, INTEGRATION_EXTENSION);
  const raw = readObject(value, location);
  const at = (field: string) => childLocation(location, field);
  for (const field of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(field)) {
      ctx.warn(
        `Integration field '${field}' is not supported by Portico and was ignored`,
        at(field),
      );
    }
  }
  const type = integrationType(raw, at);
  const integration: Integration = {
    type,
    timeoutInMillis:
      raw.timeoutInMillis === undefined
        ? DEFAULT_TIMEOUT_MS
        : integerInRange(
            raw.timeoutInMillis,
            MIN_TIMEOUT_MS,
            MAX_TIMEOUT_MS,
            'timeoutInMillis',
            at('timeoutInMillis'),
          ),
    requestParameters: requestParameters(raw.requestParameters, method, at('requestParameters')),
    requestTemplates: stringMap(raw.requestTemplates, at('requestTemplates')),
    passthroughBehavior:
      raw.passthroughBehavior === undefined
        ? 'WHEN_NO_MATCH'
        : enumValue(
            raw.passthroughBehavior,
            PASSTHROUGH,
            'passthroughBehavior',
            at('passthroughBehavior'),
          ),
    cacheKeyParameters: stringArray(raw.cacheKeyParameters, at('cacheKeyParameters')),
    responses: integrationResponses(raw.responses, at('responses')),
  };
  const httpMethod = integrationHttpMethod(raw.httpMethod, type, method.key, at('httpMethod'));
  if (httpMethod) integration.httpMethod = httpMethod;
  const uri = integrationUri(raw.uri, type, at('uri'));
  if (uri !== undefined) integration.uri = uri;
  if (raw.contentHandling !== undefined) {
    integration.contentHandling = enumValue(
      raw.contentHandling,
      CONTENT_HANDLING,
      'contentHandling',
      at('contentHandling'),
    );
  }
  const cacheNamespace = optionalString(raw.cacheNamespace, at('cacheNamespace'));
  if (cacheNamespace !== undefined) integration.cacheNamespace = cacheNamespace;
  return integration;
}

function integrationType(
  raw: Record<string, unknown>,
  at: (field: string) => string,
): IntegrationType {
  if (typeof raw.type !== 'string' || raw.type === '') {
    throw new DefinitionError('Integration type is required', at('type'));
  }
  const upper = raw.type.toUpperCase();
  if (upper === 'AWS') {
    throw new DefinitionError(
      `Unsupported integration type '${raw.type}': Portico supports http, http_proxy, aws_proxy and mock (use aws_proxy for functions)`,
      at('type'),
    );
  }
  if (typeof raw.connectionType === 'string' && raw.connectionType.toUpperCase() === 'VPC_LINK') {
    throw new DefinitionError(
      'Unsupported integration type: connectionType VPC_LINK is not supported; call the backend by URL instead',
      at('connectionType'),
    );
  }
  if (raw.connectionType !== undefined && String(raw.connectionType).toUpperCase() !== 'INTERNET') {
    throw new DefinitionError(
      `Invalid connectionType ${JSON.stringify(raw.connectionType)}`,
      at('connectionType'),
    );
  }
  return enumValue(upper, INTEGRATION_TYPES, 'integration type', at('type'));
}

function integrationHttpMethod(
  value: unknown,
  type: IntegrationType,
  methodKey: MethodKey,
  location: string,
): string | undefined {
  if (value !== undefined)
    return enumValue(value, INTEGRATION_HTTP_METHODS, 'integration httpMethod', location);
  // Lenient defaults where AWS would refuse: a function is always invoked with POST, and an
  // HTTP backend is called with the method the client used.
  if (type === 'AWS_PROXY') return 'POST';
  if (type === 'HTTP' || type === 'HTTP_PROXY') return methodKey;
  return undefined;
}

function integrationUri(
  value: unknown,
  type: IntegrationType,
  location: string,
): string | undefined {
  const uri = optionalString(value, location);
  if (type === 'MOCK') return uri;
  if (uri === undefined || uri.trim() === '') {
    throw new DefinitionError(
      `Integration uri is required for type ${type.toLowerCase()}`,
      location,
    );
  }
  if (type === 'AWS_PROXY') {
    if (functionNameFromUri(uri) === undefined) {
      throw new DefinitionError(
        `Invalid aws_proxy uri '${uri}': expected a Lambda invocation URI, a Lambda function ARN or a function name`,
        location,
      );
    }
    return uri;
  }
  checkHttpUri(uri, location);
  return uri;
}

/** An absolute http(s) URL; `${stageVariables.x}` and `{param}` may stand anywhere in it. */
function checkHttpUri(uri: string, location: string): void {
  // The whole scheme and host may come from a stage variable; the edge checks it per request.
  if (/^\$\{stageVariables\.[A-Za-z0-9_]+\}/.test(uri)) return;
  const probe = uri
    .replace(STAGE_PORT, ':1')
    .replace(STAGE_VARIABLE, 'stagevar')
    .replace(/\{[^{}/]+\}/g, 'param');
  let url: URL | undefined;
  try {
    url = new URL(probe);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new DefinitionError(
      `Invalid integration uri '${uri}': expected an absolute http:// or https:// URL`,
      location,
    );
  }
}

function requestParameters(
  value: unknown,
  method: MethodScope,
  location: string,
): Record<string, string> {
  const map = stringMap(value, location);
  for (const [target, source] of Object.entries(map)) {
    const at = childLocation(location, target);
    if (!TARGET_PARAMETER.test(target)) {
      throw new DefinitionError(
        `Invalid integration request parameter '${target}': expected integration.request.{path|querystring|header}.{name}`,
        at,
      );
    }
    const fromMethod = METHOD_PARAMETER.exec(source);
    if (fromMethod) {
      const declared =
        method.requestParameters[source] !== undefined ||
        (fromMethod[1] === 'path' && method.pathVariables.has(fromMethod[2]!)) ||
        declaredAsSingle(method.requestParameters, fromMethod[1]!, fromMethod[2]!);
      if (!declared) {
        throw new DefinitionError(
          `Invalid mapping expression parameter specified: ${source} is not a parameter of method ${method.label}`,
          at,
        );
      }
    } else if (!OTHER_SOURCE.test(source)) {
      throw new DefinitionError(`Invalid mapping expression specified: '${source}'`, at);
    }
  }
  return map;
}

/** `multivaluequerystring.x` reads the same parameter the method declares as `querystring.x`. */
function declaredAsSingle(params: Record<string, boolean>, where: string, name: string): boolean {
  const single = where.replace(/^multivalue/, '');
  return params[`method.request.${single}.${name}`] !== undefined;
}

function integrationResponses(value: unknown, location: string): IntegrationResponse[] {
  if (value === undefined || value === null) return [];
  const responses = readObject(value, location);
  return Object.entries(responses).map(([pattern, entry]) => {
    const at = childLocation(location, pattern);
    const raw = readObject(entry, at);
    if (pattern !== 'default') {
      try {
        new RegExp(pattern);
      } catch {
        throw new DefinitionError(
          `Invalid selection pattern '${pattern}': not a regular expression`,
          at,
        );
      }
    }
    const response: IntegrationResponse = {
      selectionPattern: pattern,
      statusCode: statusCode(raw.statusCode, childLocation(at, 'statusCode')),
      responseParameters: stringMap(
        raw.responseParameters,
        childLocation(at, 'responseParameters'),
      ),
      responseTemplates: stringMap(raw.responseTemplates, childLocation(at, 'responseTemplates')),
    };
    if (raw.contentHandling !== undefined) {
      response.contentHandling = enumValue(
        raw.contentHandling,
        CONTENT_HANDLING,
        'contentHandling',
        childLocation(at, 'contentHandling'),
      );
    }
    return response;
  });
}

import { parsePolicy, PolicyError, RESOURCE_POLICY } from '@portico/iam';
import {
  GATEWAY_RESPONSE_TYPES,
  type ApiDefinition,
  type ApiKeySource,
  type GatewayResponse,
  type GatewayResponseType,
} from '../model/api-definition';
import { childLocation } from '../util/json';
import { DefinitionError } from './definition-error';
import {
  enumValue,
  integerInRange,
  readObject,
  statusCode,
  stringArray,
  stringMap,
} from './field-readers';
import type { ImportContext } from './import-context';

export const X = {
  binaryMediaTypes: 'x-amazon-apigateway-binary-media-types',
  apiKeySource: 'x-amazon-apigateway-api-key-source',
  gatewayResponses: 'x-amazon-apigateway-gateway-responses',
  minimumCompressionSize: 'x-amazon-apigateway-minimum-compression-size',
  requestValidators: 'x-amazon-apigateway-request-validators',
  requestValidator: 'x-amazon-apigateway-request-validator',
  policy: 'x-amazon-apigateway-policy',
} as const;
const MODELED = new Set<string>([
  X.binaryMediaTypes,
  X.apiKeySource,
  X.gatewayResponses,
  X.minimumCompressionSize,
]);
/**
 * API Gateway extensions Portico keeps as they were written (for export) without modelling
 * them; the policy is checked here and read by the edge from the deployed definition.
 */
const KEPT = new Set<string>([
  X.requestValidators,
  X.requestValidator,
  X.policy,
  'x-amazon-apigateway-endpoint-configuration',
  'x-amazon-apigateway-endpoint-access-mode',
  'x-amazon-apigateway-documentation',
  'x-amazon-apigateway-cors',
  'x-amazon-apigateway-importexport-version',
]);
const API_KEY_SOURCES: readonly ApiKeySource[] = ['HEADER', 'AUTHORIZER'];
const MAX_COMPRESSION_SIZE = 10_485_760;

export type TopLevelSettings = Pick<
  ApiDefinition,
  'binaryMediaTypes' | 'apiKeySource' | 'minimumCompressionSize' | 'gatewayResponses' | 'extensions'
> & { validators: Set<string>; defaultValidator?: string };

/** The document's top-level `x-*` members. */
export function importTopLevel(ctx: ImportContext): TopLevelSettings {
  const doc = ctx.doc;
  const settings: TopLevelSettings = {
    binaryMediaTypes: stringArray(doc[X.binaryMediaTypes], X.binaryMediaTypes),
    apiKeySource:
      doc[X.apiKeySource] === undefined
        ? 'HEADER'
        : enumValue(doc[X.apiKeySource], API_KEY_SOURCES, 'api key source', X.apiKeySource),
    gatewayResponses: gatewayResponses(doc[X.gatewayResponses]),
    extensions: {},
    validators: requestValidators(doc[X.requestValidators]),
  };
  if (doc[X.minimumCompressionSize] !== undefined) {
    settings.minimumCompressionSize = integerInRange(
      doc[X.minimumCompressionSize],
      0,
      MAX_COMPRESSION_SIZE,
      'minimum compression size',
      X.minimumCompressionSize,
    );
  }
  const defaultValidator = doc[X.requestValidator];
  if (defaultValidator !== undefined) {
    if (typeof defaultValidator !== 'string' || !settings.validators.has(defaultValidator)) {
      throw new DefinitionError(
        `Request validator ${JSON.stringify(defaultValidator)} is not defined in ${X.requestValidators}`,
        X.requestValidator,
      );
    }
    settings.defaultValidator = defaultValidator;
  }
  if (doc[X.policy] !== undefined) checkResourcePolicy(doc[X.policy]);
  for (const [key, value] of Object.entries(doc)) {
    if (!key.startsWith('x-') || MODELED.has(key)) continue;
    if (key.startsWith('x-amazon-apigateway-') && !KEPT.has(key)) {
      ctx.warn(`Unknown extension '${key}' was kept but is not applied`, key);
    }
    settings.extensions[key] = value;
  }
  return settings;
}

/**
 * Refuses a resource policy the gateway could not evaluate as written (a condition key it is
 * not given, such as aws:SourceVpce, an unknown operator or member): ignoring part of one could
 * turn a Deny off. The policy itself is kept as written, so export gives it back unchanged.
 */
function checkResourcePolicy(value: unknown): void {
  try {
    parsePolicy(value, RESOURCE_POLICY);
  } catch (err) {
    if (err instanceof PolicyError) {
      throw new DefinitionError(`Invalid ${X.policy}: ${err.message}`);
    }
    throw err;
  }
}

function gatewayResponses(value: unknown): ApiDefinition['gatewayResponses'] {
  const out: ApiDefinition['gatewayResponses'] = {};
  if (value === undefined) return out;
  const map = readObject(value, X.gatewayResponses);
  for (const [type, entry] of Object.entries(map)) {
    const at = childLocation(X.gatewayResponses, type);
    if (!(GATEWAY_RESPONSE_TYPES as readonly string[]).includes(type)) {
      throw new DefinitionError(
        `Unknown gateway response type '${type}': expected one of ${GATEWAY_RESPONSE_TYPES.join(', ')}`,
        at,
      );
    }
    const raw = readObject(entry, at);
    const response: GatewayResponse = {
      responseType: type as GatewayResponseType,
      responseParameters: stringMap(
        raw.responseParameters,
        childLocation(at, 'responseParameters'),
      ),
      responseTemplates: stringMap(raw.responseTemplates, childLocation(at, 'responseTemplates')),
    };
    for (const name of Object.keys(response.responseParameters)) {
      if (!name.startsWith('gatewayresponse.header.')) {
        throw new DefinitionError(
          `Invalid gateway response parameter '${name}': expected gatewayresponse.header.{name}`,
          childLocation(at, `responseParameters.${name}`),
        );
      }
    }
    if (raw.statusCode !== undefined)
      response.statusCode = statusCode(raw.statusCode, childLocation(at, 'statusCode'));
    out[type as GatewayResponseType] = response;
  }
  return out;
}

function requestValidators(value: unknown): Set<string> {
  const names = new Set<string>();
  if (value === undefined) return names;
  for (const [name, entry] of Object.entries(readObject(value, X.requestValidators))) {
    const at = childLocation(X.requestValidators, name);
    const validator = readObject(entry, at);
    for (const flag of ['validateRequestBody', 'validateRequestParameters']) {
      if (validator[flag] !== undefined && typeof validator[flag] !== 'boolean') {
        throw new DefinitionError(`Expected true or false`, childLocation(at, flag));
      }
    }
    names.add(name);
  }
  return names;
}

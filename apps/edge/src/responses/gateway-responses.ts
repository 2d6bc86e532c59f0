import type { GatewayResponse, GatewayResponseType } from '@portico/definitions';
import { buildTemplateContext, type InvocationRequest } from '../integrations';
import { HOP_BY_HOP_HEADERS } from '../pipeline/hop-by-hop';
import { awsErrorType, type GatewayError } from './gateway-error';
import { GatewayTemplate, lookup, textOf } from './gateway-template';

export interface RenderedGatewayResponse {
  statusCode: number;
  /** Flat `[name, value, name, value, …]` as `writeHead` takes them. */
  headers: string[];
  body: string;
}

type ValueSource = (
  req: InvocationRequest,
  context: () => Record<string, unknown>,
) => string | undefined;

interface CompiledOverride {
  statusCode?: number;
  headers: { name: string; value: ValueSource }[];
  /** A header parameter sets Content-Type: it replaces the template's. */
  setsContentType: boolean;
  template?: { contentType: string; body: GatewayTemplate };
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const JSON_TYPE = 'application/json';
/** Headers the edge frames the response with; a second copy would make it ambiguous. */
const RESERVED = new Set([
  ...HOP_BY_HOP_HEADERS,
  'content-length',
  'x-amzn-requestid',
  'x-amzn-errortype',
]);
const ERROR_TYPE_HEADER = 'x-amzn-ErrorType';
const METHOD_REQUEST =
  /^method\.request\.(header|multivalueheader|querystring|multivaluequerystring|path)\.(.+)$/;

/**
 * An API's gateway responses: AWS's defaults, overridden per type by the definition's
 * `gatewayResponses`, falling back to its DEFAULT_4XX / DEFAULT_5XX by status class (whose status
 * code, when set, then applies to the whole class, as AWS documents). Compiled once per stage;
 * the common case (no override) renders without building any context.
 */
export class GatewayResponses {
  static readonly DEFAULTS = new GatewayResponses({});

  private readonly overrides = new Map<GatewayResponseType, CompiledOverride>();

  constructor(definitions: Partial<Record<GatewayResponseType, GatewayResponse>>) {
    for (const [type, def] of Object.entries(definitions)) {
      if (def) this.overrides.set(type as GatewayResponseType, compileOverride(def));
    }
  }

  render(error: GatewayError, req: InvocationRequest | undefined): RenderedGatewayResponse {
    const override =
      this.overrides.get(error.responseType) ??
      (error.statusCode >= 500
        ? this.overrides.get('DEFAULT_5XX')
        : this.overrides.get('DEFAULT_4XX'));
    if (!override || !req) return defaultResponse(error);

    let context: Record<string, unknown> | undefined;
    const getContext = (): Record<string, unknown> => (context ??= buildContext(error, req));
    const headers: string[] = errorTypeHeader(error);
    if (error.headers) headers.push(...error.headers);
    for (const h of override.headers) {
      const value = h.value(req, getContext);
      if (value !== undefined && HEADER_VALUE.test(value)) headers.push(h.name, value);
    }
    const statusCode = override.statusCode ?? error.statusCode;
    const template = override.template;
    if (!override.setsContentType) headers.push('content-type', template?.contentType ?? JSON_TYPE);
    if (!template) return { statusCode, headers, body: defaultBody(error) };
    const body = template.body.render({ context: getContext, stageVariables: req.stageVariables });
    return { statusCode, headers, body };
  }
}

function defaultResponse(error: GatewayError): RenderedGatewayResponse {
  return {
    statusCode: error.statusCode,
    headers: [...errorTypeHeader(error), ...(error.headers ?? []), 'content-type', JSON_TYPE],
    body: defaultBody(error),
  };
}

function errorTypeHeader(error: GatewayError): string[] {
  const type = awsErrorType(error);
  return type === undefined ? [] : [ERROR_TYPE_HEADER, type];
}

function defaultBody(error: GatewayError): string {
  return `{"${error.messageKey}":${JSON.stringify(error.clientMessage)}}`;
}

function compileOverride(def: GatewayResponse): CompiledOverride {
  const status = def.statusCode === undefined ? undefined : Number(def.statusCode);
  const headers: CompiledOverride['headers'] = [];
  for (const [key, expr] of Object.entries(def.responseParameters)) {
    const prefix = 'gatewayresponse.header.';
    if (!key.toLowerCase().startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    const value = compileSource(expr);
    if (HEADER_NAME.test(name) && !RESERVED.has(name.toLowerCase()) && value) {
      headers.push({ name, value });
    }
  }
  const types = Object.keys(def.responseTemplates);
  const contentType = types.includes(JSON_TYPE) ? JSON_TYPE : types[0];
  return {
    statusCode:
      status !== undefined && Number.isInteger(status) && status >= 100 && status <= 599
        ? status
        : undefined,
    headers,
    setsContentType: headers.some((h) => h.name.toLowerCase() === 'content-type'),
    template:
      contentType !== undefined && HEADER_VALUE.test(contentType)
        ? {
            contentType,
            body: new GatewayTemplate(def.responseTemplates[contentType] ?? ''),
          }
        : undefined,
  };
}

/**
 * API Gateway's mapping sources: `'literal'`, `method.request.{header|querystring|path}.X` (the
 * last value of a repeated one), `method.request.multivalue{header|querystring}.X` (all values,
 * comma-joined), `stageVariables.x`, `context.a.b`.
 */
function compileSource(expr: string): ValueSource | undefined {
  const trimmed = expr.trim();
  if (trimmed.length >= 2 && trimmed.startsWith("'") && trimmed.endsWith("'")) {
    const literal = trimmed.slice(1, -1);
    return () => literal;
  }
  const request = METHOD_REQUEST.exec(trimmed);
  if (request) {
    const where = request[1]!;
    const name = request[2]!;
    const lower = name.toLowerCase();
    switch (where) {
      case 'header':
        return (req) => lastOf(req.headers[lower]);
      case 'multivalueheader':
        return (req) => req.headers[lower]?.join(',');
      case 'querystring':
        return (req) => lastOf(req.query[name]);
      case 'multivaluequerystring':
        return (req) => req.query[name]?.join(',');
      default:
        return (req) => req.pathParameters[name];
    }
  }
  const stageVariable = /^stageVariables\.(.+)$/.exec(trimmed);
  if (stageVariable) {
    const name = stageVariable[1]!;
    return (req) => req.stageVariables[name];
  }
  const context = /^context\.(.+)$/.exec(trimmed);
  if (context) {
    const path = context[1]!.split('.');
    return (_req, getContext) => {
      const value = lookup(getContext(), path);
      return value === undefined || value === null ? undefined : textOf(value);
    };
  }
  return undefined;
}

/** `$context` for gateway response templates and `context.x` parameters: the request's plus the error. */
function buildContext(error: GatewayError, req: InvocationRequest): Record<string, unknown> {
  return {
    ...buildTemplateContext(req),
    error: {
      message: error.clientMessage,
      // AWS: "the quoted value of $context.error.message", i.e. a JSON string, escapes and all.
      messageString: JSON.stringify(error.clientMessage),
      responseType: error.responseType,
      validationErrorString: '',
    },
  };
}

/** AWS's single-value views show the last value of a repeated header or query parameter. */
function lastOf(values: string[] | undefined): string | undefined {
  return values === undefined ? undefined : values[values.length - 1];
}

import type { GatewayResponse, GatewayResponseType } from '@portico/definitions';
import { buildTemplateContext, type InvocationRequest, renderTemplate } from '../integrations';
import { buildTemplateVariables } from '../integrations/mapping/template-context';
import type { GatewayError } from './gateway-error';

export interface RenderedGatewayResponse {
  statusCode: number;
  /** Flat `[name, value, name, value, …]` as `writeHead` takes them. */
  headers: string[];
  body: string;
  /** Set when an override's template failed; the default body was sent instead. */
  renderError?: string;
}

type ValueSource = (
  req: InvocationRequest,
  context: () => Record<string, unknown>,
) => string | undefined;

interface CompiledOverride {
  statusCode?: number;
  headers: { name: string; value: ValueSource }[];
  template?: { contentType: string; text: string };
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const JSON_TYPE = 'application/json';

/**
 * An API's gateway responses: AWS's defaults, overridden per type by the definition's
 * `gatewayResponses`, falling back to its DEFAULT_4XX / DEFAULT_5XX by status class. Compiled
 * once per stage; the common case (no override) renders without touching VTL.
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
    const headers: string[] = [];
    for (const h of override.headers) {
      const value = h.value(req, getContext);
      if (value !== undefined && HEADER_VALUE.test(value)) headers.push(h.name, value);
    }
    const statusCode = override.statusCode ?? error.statusCode;
    if (!override.template) {
      headers.push('content-type', JSON_TYPE);
      return { statusCode, headers, body: defaultBody(error.clientMessage) };
    }
    try {
      const body = renderTemplate(
        override.template.text,
        buildTemplateVariables(req, '', getContext()),
      );
      headers.push('content-type', override.template.contentType);
      return { statusCode, headers, body };
    } catch (err) {
      headers.push('content-type', JSON_TYPE);
      return {
        statusCode,
        headers,
        body: defaultBody(error.clientMessage),
        renderError: err instanceof Error ? err.message : String(err),
      };
    }
  }
}

function defaultResponse(error: GatewayError): RenderedGatewayResponse {
  return {
    statusCode: error.statusCode,
    headers: ['content-type', JSON_TYPE],
    body: defaultBody(error.clientMessage),
  };
}

function defaultBody(message: string): string {
  return `{"message":${JSON.stringify(message)}}`;
}

function compileOverride(def: GatewayResponse): CompiledOverride {
  const status = def.statusCode === undefined ? undefined : Number(def.statusCode);
  const headers: CompiledOverride['headers'] = [];
  for (const [key, expr] of Object.entries(def.responseParameters)) {
    const prefix = 'gatewayresponse.header.';
    if (!key.toLowerCase().startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    const value = compileSource(expr);
    if (HEADER_NAME.test(name) && value) headers.push({ name, value });
  }
  const types = Object.keys(def.responseTemplates);
  const contentType = types.includes(JSON_TYPE) ? JSON_TYPE : types[0];
  return {
    statusCode:
      status !== undefined && Number.isInteger(status) && status >= 100 && status <= 599
        ? status
        : undefined,
    headers,
    template:
      contentType !== undefined && HEADER_VALUE.test(contentType)
        ? { contentType, text: def.responseTemplates[contentType] ?? '' }
        : undefined,
  };
}

/** `'literal'`, `method.request.{header|querystring|path}.X`, `stageVariables.x`, `context.a.b`. */
function compileSource(expr: string): ValueSource | undefined {
  const trimmed = expr.trim();
  if (trimmed.length >= 2 && trimmed.startsWith("'") && trimmed.endsWith("'")) {
    const literal = trimmed.slice(1, -1);
    return () => literal;
  }
  const request = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(trimmed);
  if (request) {
    const where = request[1]!;
    const name = request[2]!;
    if (where === 'header') {
      const lower = name.toLowerCase();
      return (req) => lastOf(req.headers[lower]);
    }
    if (where === 'querystring') return (req) => lastOf(req.query[name]);
    return (req) => req.pathParameters[name];
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
      let value: unknown = getContext();
      for (const key of path) {
        value =
          value !== null && typeof value === 'object'
            ? (value as Record<string, unknown>)[key]
            : undefined;
      }
      return value === undefined || value === null ? undefined : String(value);
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

import {
  badRequestParameters,
  configurationError,
  integrationError,
  isValidHeaderName,
  isValidHeaderValue,
} from '../integration-errors';
import type { InvocationRequest } from '../integration.types';
import { evaluateJsonPath } from './json-path';
import { type ContextSource, resolveContext } from './template-context';

/** What `requestParameters` produce for the integration request. */
export interface MappedRequestParameters {
  /** Decoded values. */
  path: Record<string, string>;
  /**
   * For a `path` target mapped straight from `method.request.path.X`: X as it stands in the
   * forwarded path (`req.rawPathParameters`), so it reaches the backend byte for byte.
   */
  rawPath: Record<string, string>;
  querystring: Record<string, string[]>;
  header: Record<string, string[]>;
}

/** Everything a mapping expression may read. `body` is needed only when an expression names it. */
export interface RequestParameterSources {
  req: InvocationRequest;
  context: ContextSource;
  body?: string;
}

export interface ResponseParameterSources {
  /** Backend response headers, lower-cased names. */
  headers: Record<string, string[]>;
  body: string;
  stageVariables: Record<string, string>;
  context: ContextSource;
}

const REQUEST_TARGET =
  /^integration\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.(.+)$/;
const RESPONSE_TARGET = /^method\.response\.header\.(.+)$/;
const METHOD_REQUEST_SOURCE =
  /^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.(.+)$/;
const INTEGRATION_RESPONSE_SOURCE = /^integration\.response\.(header|multivalueheader)\.(.+)$/;

export function mappingsNeedRequestBody(mappings: Record<string, string>): boolean {
  return Object.values(mappings).some(
    (v) => v === 'method.request.body' || v.startsWith('method.request.body.'),
  );
}

export function mapRequestParameters(
  mappings: Record<string, string>,
  sources: RequestParameterSources,
): MappedRequestParameters {
  const out: MappedRequestParameters = { path: {}, rawPath: {}, querystring: {}, header: {} };
  for (const [target, expression] of Object.entries(mappings)) {
    const match = REQUEST_TARGET.exec(target);
    if (!match?.[1] || !match[2])
      throw configurationError(`Invalid request parameter target: ${target}`);
    const values = resolveRequestSource(expression, sources);
    if (values === undefined || values.length === 0) continue;
    const kind = match[1];
    const name = match[2];
    if (kind === 'path') {
      out.path[name] = values[values.length - 1] as string;
      const raw = rawPathSource(expression, sources.req);
      if (raw !== undefined) out.rawPath[name] = raw;
    } else if (kind === 'querystring') out.querystring[name] = values.slice(-1);
    else if (kind === 'multivaluequerystring') out.querystring[name] = values;
    else {
      const headerValues = kind === 'header' ? values.slice(-1) : values;
      checkHeader(name, headerValues, expression, 'method.request.');
      out.header[name.toLowerCase()] = headerValues;
    }
  }
  return out;
}

function resolveRequestSource(
  expression: string,
  { req, context, body }: RequestParameterSources,
): string[] | undefined {
  const common = resolveCommonSource(expression, req.stageVariables, context);
  if (common !== NOT_COMMON) return common;
  const [, kind, name] = METHOD_REQUEST_SOURCE.exec(expression) ?? [];
  if (kind && name) {
    if (kind === 'path') return single(req.pathParameters[name]);
    if (kind === 'querystring') return lastOf(req.query[name]);
    if (kind === 'multivaluequerystring') return req.query[name];
    if (kind === 'header') return lastOf(req.headers[name.toLowerCase()]);
    return req.headers[name.toLowerCase()];
  }
  if (expression === 'method.request.body' || expression.startsWith('method.request.body.')) {
    if (body === undefined)
      throw new Error('Request body needed for parameter mapping was not read');
    return bodySource(body, expression.slice('method.request.body'.length));
  }
  throw configurationError(`Invalid request parameter source: ${expression}`);
}

const PATH_SOURCE_PREFIX = 'method.request.path.';

/** The encoded form of a `method.request.path.X` source, when the pipeline supplied one. */
function rawPathSource(expression: string, req: InvocationRequest): string | undefined {
  const raw = req.rawPathParameters;
  if (raw === undefined || !expression.startsWith(PATH_SOURCE_PREFIX)) return undefined;
  const value: unknown = raw[expression.slice(PATH_SOURCE_PREFIX.length)];
  return typeof value === 'string' ? value : undefined;
}

/** `method.response.header.X` ← backend header, backend body (or a JSON path in it), literal. */
export function mapResponseParameters(
  mappings: Record<string, string>,
  sources: ResponseParameterSources,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [target, expression] of Object.entries(mappings)) {
    const name = RESPONSE_TARGET.exec(target)?.[1];
    if (!name) throw configurationError(`Invalid response parameter target: ${target}`);
    const values = resolveResponseSource(expression, sources);
    if (values === undefined || values.length === 0) continue;
    // A multi-valued source becomes one comma-separated header, as AWS joins them.
    const value = values.join(',');
    checkHeader(name, [value], expression, 'integration.response.');
    out[name] = value;
  }
  return out;
}

function resolveResponseSource(
  expression: string,
  sources: ResponseParameterSources,
): string[] | undefined {
  const common = resolveCommonSource(expression, sources.stageVariables, sources.context);
  if (common !== NOT_COMMON) return common;
  const [, kind, name] = INTEGRATION_RESPONSE_SOURCE.exec(expression) ?? [];
  if (kind && name) {
    const values = sources.headers[name.toLowerCase()];
    return kind === 'header' ? lastOf(values) : values;
  }
  if (
    expression === 'integration.response.body' ||
    expression.startsWith('integration.response.body.')
  ) {
    return bodySource(sources.body, expression.slice('integration.response.body'.length));
  }
  throw configurationError(`Invalid response parameter source: ${expression}`);
}

/**
 * A mapped header must be writable as one header line. A bad name is a definition error; a value
 * with CR/LF (a decoded query string, a JSON string in a body) is refused, never forwarded: from
 * the client it is a 400, from the backend a 502, from the definition itself a 500.
 */
function checkHeader(
  name: string,
  values: string[],
  expression: string,
  untrustedPrefix: 'method.request.' | 'integration.response.',
): void {
  if (!isValidHeaderName(name)) throw configurationError(`Invalid header name in mapping: ${name}`);
  if (values.every(isValidHeaderValue)) return;
  const detail = `Mapped value for header ${name} (from ${expression}) has characters a header cannot carry`;
  if (!expression.startsWith(untrustedPrefix)) throw configurationError(detail);
  throw untrustedPrefix === 'method.request.'
    ? badRequestParameters(detail)
    : integrationError(detail);
}

const NOT_COMMON = Symbol('not-common');

/** Sources valid on both sides: `'literal'`, `stageVariables.x`, `context.a.b`. */
function resolveCommonSource(
  expression: string,
  stageVariables: Record<string, string>,
  context: ContextSource,
): string[] | undefined | typeof NOT_COMMON {
  if (expression.length >= 2 && expression.startsWith("'") && expression.endsWith("'")) {
    return [expression.slice(1, -1)];
  }
  if (expression.startsWith('stageVariables.')) {
    return single(stageVariables[expression.slice('stageVariables.'.length)]);
  }
  if (expression.startsWith('context.')) {
    let value: unknown = resolveContext(context);
    for (const key of expression.slice('context.'.length).split('.')) {
      value =
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[key]
          : undefined;
    }
    return value === undefined || value === null || typeof value === 'object'
      ? undefined
      : [String(value)];
  }
  return NOT_COMMON;
}

/** `…body` is the whole text; `…body.a.b` the value at `$.a.b` (JSON text unless a string). */
function bodySource(body: string, suffix: string): string[] | undefined {
  if (suffix === '') return [body];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body) as unknown;
  } catch {
    return undefined; // not JSON: a body path selects nothing, as AWS leaves the parameter out
  }
  let value: unknown;
  try {
    value = evaluateJsonPath(parsed, `$${suffix}`);
  } catch (err) {
    throw configurationError(`Invalid JSON path in parameter mapping: ${(err as Error).message}`);
  }
  if (value === undefined || value === null) return undefined;
  return [typeof value === 'string' ? value : JSON.stringify(value)];
}

function single(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : [value];
}

function lastOf(values: string[] | undefined): string[] | undefined {
  return values && values.length > 0 ? values.slice(-1) : undefined;
}

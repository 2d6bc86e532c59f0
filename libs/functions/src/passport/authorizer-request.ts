/**
 * The request a passport strategy reads, made from an authorizer event. Strategies written for
 * Express read `req.headers` (lower-cased names, as Node gives them), `req.query`, `req.body`
 * and sometimes `req.get(name)`; nothing here needs Express.
 */
export interface AuthorizerRequest {
  /** Lower-cased names; a header sent more than once is joined with `, `, as Node joins it. */
  headers: Record<string, string>;
  /** A parameter sent more than once is an array, as Express's query parser gives it. */
  query: Record<string, string | string[]>;
  /** Always empty: an authorizer runs before routing has values a strategy could use. */
  params: Record<string, string>;
  method: string;
  /** The path with its query string. */
  url: string;
  originalUrl: string;
  path: string;
  /** An authorizer never sees the body. */
  body: undefined;
  /** `requestContext.identity.sourceIp` when the event has it. */
  ip?: string;
  /** The event itself, for a strategy (passport-custom, say) that needs stage variables or the ARN. */
  authorizerEvent: AuthorizerEvent;
  /** Express's `req.get` / `req.header`: a header by case-insensitive name. */
  get(name: string): string | undefined;
  header(name: string): string | undefined;
}

/** The fields of API Gateway's TOKEN and REQUEST authorizer events that are read here. */
export interface AuthorizerEvent {
  type?: string;
  methodArn?: string;
  authorizationToken?: string;
  httpMethod?: string;
  path?: string;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, Array<string | undefined> | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, Array<string | undefined> | undefined> | null;
  requestContext?: {
    httpMethod?: string;
    path?: string;
    eventType?: string;
    identity?: { sourceIp?: string | null };
  } | null;
  [field: string]: unknown;
}

/** An event that is not an authorizer event this can read. */
export class AuthorizerEventError extends Error {
  override name = 'AuthorizerEventError';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The request for `event`. TOKEN: the token as the `authorization` header, the method and path
 * from the method ARN (`arn:…:{apiId}/{stage}/{METHOD}/{path}`), no query. REQUEST (REST or
 * WebSocket `$connect`): the event's headers, query string, method and path.
 */
export function authorizerRequest(event: unknown): AuthorizerRequest {
  if (!isRecord(event)) throw new AuthorizerEventError('The authorizer event is not an object');
  const e = event as AuthorizerEvent;
  let headers: Record<string, string>;
  let query: Record<string, string | string[]>;
  let method: string;
  let path: string;
  if (e.type === 'TOKEN') {
    if (typeof e.authorizationToken !== 'string') {
      throw new AuthorizerEventError('A TOKEN authorizer event has no authorizationToken');
    }
    headers = { authorization: e.authorizationToken };
    query = {};
    ({ method, path } = fromMethodArn(e.methodArn));
  } else if (e.type === 'REQUEST') {
    headers = headersOf(e);
    query = queryOf(e);
    const fromArn = fromMethodArn(e.methodArn);
    // A WebSocket $connect event has neither: its handshake is a GET.
    method =
      stringOr(e.httpMethod) ??
      stringOr(e.requestContext?.httpMethod) ??
      (e.requestContext?.eventType === 'CONNECT' ? 'GET' : fromArn.method);
    path = stringOr(e.path) ?? stringOr(e.requestContext?.path) ?? fromArn.path;
  } else {
    throw new AuthorizerEventError(
      `The authorizer event's type is ${JSON.stringify(e.type)}, not TOKEN or REQUEST`,
    );
  }
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const one of Array.isArray(value) ? value : [value]) search.append(name, one);
  }
  const qs = search.toString();
  const url = qs ? `${path}?${qs}` : path;
  const sourceIp = e.requestContext?.identity?.sourceIp;
  const get = (name: string): string | undefined => headers[name.toLowerCase()];
  return {
    headers,
    query,
    params: {},
    method: method.toUpperCase(),
    url,
    originalUrl: url,
    path,
    body: undefined,
    ...(typeof sourceIp === 'string' && sourceIp !== '' ? { ip: sourceIp } : {}),
    authorizerEvent: e,
    get,
    header: get,
  };
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path…}`. */
function fromMethodArn(arn: unknown): { method: string; path: string } {
  if (typeof arn !== 'string') return { method: 'GET', path: '/' };
  const [, , method, ...path] = arn.split('/');
  return { method: method && method !== '*' ? method : 'GET', path: `/${path.join('/')}` };
}

function headersOf(e: AuthorizerEvent): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(e.multiValueHeaders)) {
    for (const [name, values] of Object.entries(e.multiValueHeaders)) {
      const present = (Array.isArray(values) ? values : []).filter(
        (v): v is string => typeof v === 'string',
      );
      if (present.length > 0) out[name.toLowerCase()] = present.join(', ');
    }
  }
  if (isRecord(e.headers)) {
    for (const [name, value] of Object.entries(e.headers)) {
      const key = name.toLowerCase();
      if (typeof value === 'string' && out[key] === undefined) out[key] = value;
    }
  }
  return out;
}

function queryOf(e: AuthorizerEvent): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (isRecord(e.multiValueQueryStringParameters)) {
    for (const [name, values] of Object.entries(e.multiValueQueryStringParameters)) {
      const present = (Array.isArray(values) ? values : []).filter(
        (v): v is string => typeof v === 'string',
      );
      if (present.length === 1) out[name] = present[0]!;
      else if (present.length > 1) out[name] = present;
    }
  }
  if (isRecord(e.queryStringParameters)) {
    for (const [name, value] of Object.entries(e.queryStringParameters)) {
      if (typeof value === 'string' && out[name] === undefined) out[name] = value;
    }
  }
  return out;
}

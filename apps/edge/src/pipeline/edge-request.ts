import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { InvocationRequest, WebSocketEventContext } from '../integrations';
import { encodePathParameters, type RouteEntry, type RouteMatch } from '../routing/route-table';
import type { CompiledStage } from '../stages/compiled-stage';
import type { StagePlan } from '../throttling/usage-plan-index';
import type { EdgeConfig } from '../config';
import {
  applyForwardedHeaders,
  collectRequestHeaders,
  TrustedProxies,
  unmapIpv4,
} from './forwarded-headers';
import { RequestBody } from './request-body';

/** Per-edge settings every request needs. */
export interface RequestSettings {
  readonly proxies: TrustedProxies;
  readonly maxBodyBytes: number;
  readonly accountId: string;
}

/** The settings every EdgeRequest of this edge shares, from the edge's config. */
export function requestSettings(config: EdgeConfig): RequestSettings {
  return {
    proxies: new TrustedProxies(config.TRUSTED_PROXIES),
    maxBodyBytes: config.MAX_BODY_BYTES,
    accountId: config.PORTICO_ACCOUNT_ID,
  };
}

const NO_PARAMS: Record<string, string> = Object.freeze(
  Object.create(null) as Record<string, string>,
);
const NO_VARIABLES: Record<string, string> = Object.freeze({});
const NO_TYPES: string[] = [];

/**
 * One request from arrival to access log. It is the InvocationRequest the integration gets and
 * the request gateway responses refer to; what only some requests need (headers with the
 * forwarding view, parsed query, body, abort signal) is built on first use.
 */
export class EdgeRequest implements InvocationRequest {
  readonly requestId = randomUUID();
  readonly requestTimeEpoch = Date.now();
  /** For Latency: monotonic, not wall clock. */
  readonly startedAt = performance.now();
  /** The request target as the client sent it (path and query, still encoded). */
  readonly target: string;
  readonly httpMethod: string;
  readonly protocol: string;
  readonly accountId: string;
  domainName = '';
  domainPrefix = '';
  path = '/';
  fullPath: string;
  resourcePath = '';
  resourceId = '';
  pathParameters = NO_PARAMS;
  rawQuery = '';
  apiId = '';
  stage = '';
  deploymentId?: string;
  stageVariables: Record<string, string> = NO_VARIABLES;
  binaryMediaTypes: string[] = NO_TYPES;
  /** Set when the request is a WebSocket handshake being offered to `$connect`. */
  webSocket?: WebSocketEventContext;
  /** Set by the API key check of a method that requires a key. */
  apiKey?: { id: string; value: string; plan: StagePlan };
  /** Headers the gateway adds to the integration's response. */
  responseHeaders?: [string, string][];
  /** Set on an AWS_IAM method: the credential that signed the request. */
  iamPrincipal?: { accessKeyId: string; userArn: string };
  /** Set by the authorizer of a method that has one. */
  authorizer?: {
    principalId: string;
    context: Record<string, string | number | boolean>;
    /** A JWT or Cognito authorizer's verified claims, as strings. */
    claims?: Record<string, string>;
    /** A Lambda authorizer's `usageIdentifierKey`: the API key, with key source AUTHORIZER. */
    usageIdentifierKey?: string;
  };

  // What the pipeline learns on the way, for the gateway response, access log and metrics.
  compiledStage?: CompiledStage;
  route?: RouteEntry;
  status = 0;
  responseLength = 0;
  /** Set when the exchange ends. */
  latencyMs = 0;
  integrationLatencyMs?: number;
  errorMessage?: string;

  /** Decoded segments below the stage, as routed. */
  private routeSegments: readonly string[] = [];
  private encodedParameters?: Record<string, string>;
  private headerView?: Record<string, string[]>;
  private clientIp = '';
  private parsedQuery?: Record<string, string[]>;
  private requestBody?: RequestBody;
  private abort?: AbortController;
  private gone = false;

  constructor(
    readonly raw: IncomingMessage,
    private readonly settings: RequestSettings,
    /** Sends `100 Continue` to a client waiting for one (see body). */
    private readonly sendContinue?: () => void,
  ) {
    this.httpMethod = raw.method ?? 'GET';
    this.protocol = `HTTP/${raw.httpVersion}`;
    this.accountId = settings.accountId;
    this.target = raw.url ?? '/';
    const question = this.target.indexOf('?');
    // Until the path is parsed, the log shows the target without its query (it may hold secrets).
    this.fullPath = question === -1 ? this.target : this.target.slice(0, question);
  }

  /** Lower-cased, hop-by-hop removed, X-Forwarded-* set as the trust settings say. */
  get headers(): Record<string, string[]> {
    if (!this.headerView) {
      const headers = collectRequestHeaders(this.raw.rawHeaders);
      const socket = this.raw.socket;
      this.clientIp = applyForwardedHeaders(
        headers,
        {
          ip: socket.remoteAddress ?? '',
          encrypted: (socket as Partial<TLSSocket>).encrypted === true,
          localPort: socket.localPort ?? 0,
        },
        this.settings.proxies,
      );
      this.headerView = headers;
    }
    return this.headerView;
  }

  get sourceIp(): string {
    if (this.headerView) return this.clientIp;
    // Nobody's X-Forwarded-For is believed: the peer is the client, no header view needed
    // (the access log asks for every request, most integrations never look at headers).
    if (this.settings.proxies.none) return unmapIpv4(this.raw.socket.remoteAddress ?? '');
    void this.headers;
    return this.clientIp;
  }

  /** Records the route that answers: resource, method and path parameters. */
  setRoute(match: RouteMatch, segments: readonly string[]): void {
    this.route = match.entry;
    this.resourcePath = match.entry.resourcePath;
    this.resourceId = match.entry.resourceId;
    this.pathParameters = match.pathParameters;
    this.routeSegments = segments;
    this.encodedParameters = undefined;
  }

  /** Path parameters encoded as in the forwarded path (see encodePathParameters); built on first use. */
  get rawPathParameters(): Record<string, string> {
    if (!this.encodedParameters) {
      this.encodedParameters = this.route
        ? encodePathParameters(this.route, this.routeSegments)
        : NO_PARAMS;
    }
    return this.encodedParameters;
  }

  /** Header names as the client spelled them (the Lambda proxy event shows them so). */
  get rawHeaders(): readonly string[] {
    return this.raw.rawHeaders;
  }

  get userAgent(): string | undefined {
    return this.raw.headers['user-agent'];
  }

  get query(): Record<string, string[]> {
    return (this.parsedQuery ??= parseQuery(this.rawQuery));
  }

  /**
   * The body, read only when an integration asks. A client that sent `Expect: 100-continue`
   * is told to go on at that moment, so a request answered without its body (413, 403, a mock)
   * never makes the client upload it.
   */
  get body(): RequestBody {
    return (this.requestBody ??= new RequestBody(
      this.raw,
      this.settings.maxBodyBytes,
      this.sendContinue,
    ));
  }

  /** True when the body limit tripped while an integration read the body. */
  get bodyExceeded(): boolean {
    return this.requestBody?.exceeded === true;
  }

  get signal(): AbortSignal {
    if (!this.abort) {
      this.abort = new AbortController();
      if (this.gone) this.abort.abort(new Error('Client went away'));
    }
    return this.abort.signal;
  }

  get clientGone(): boolean {
    return this.gone;
  }

  /** The client closed the connection before the response was complete. */
  markClientGone(): void {
    this.gone = true;
    this.abort?.abort(new Error('Client went away'));
  }
}

/**
 * Query parameters decoded, every value in order. `+` is a space, as API Gateway decodes query
 * strings (an encoded `%2B` is a plus); a value that does not decode is kept as sent.
 */
export function parseQuery(rawQuery: string): Record<string, string[]> {
  const out = Object.create(null) as Record<string, string[]>;
  if (rawQuery === '') return out;
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    const list = out[name];
    if (list) list.push(value);
    else out[name] = [value];
  }
  return out;
}

function decode(raw: string): string {
  const s = raw.indexOf('+') === -1 ? raw : raw.replace(/\+/g, ' ');
  if (s.indexOf('%') === -1) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    // Malformed escapes reach the integration as sent rather than failing the request.
    return raw;
  }
}

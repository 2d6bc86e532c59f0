/**
 * WebSocket APIs (Amazon API Gateway v2, ProtocolType WEBSOCKET). A WebSocket API is stored as
 * a RestApi record with `protocolType: 'WEBSOCKET'` whose definition carries `webSocket`: so
 * deployments, stages, custom domains, the store, change events and the edge's stage registry
 * serve both kinds with one mechanism. Its integrations reuse the REST `Integration` shape
 * (AWS_PROXY, HTTP_PROXY, HTTP, MOCK); the ids are the v2 management API's.
 */
import { resourceIdFor } from '../util/ids';
import type { ApiDefinition, Integration } from './api-definition';
import { type FunctionAuthorizer, readFunctionAuthorizer } from './authorizer';

export const PROTOCOL_TYPES = ['REST', 'WEBSOCKET'] as const;
export type ProtocolType = (typeof PROTOCOL_TYPES)[number];

/** The route keys API Gateway gives a meaning of their own. */
export const CONNECT_ROUTE = '$connect' as const;
export const DISCONNECT_ROUTE = '$disconnect' as const;
export const DEFAULT_ROUTE = '$default' as const;

export const DEFAULT_ROUTE_SELECTION_EXPRESSION = '$request.body.action';

export interface WebSocketIntegration {
  integrationId: string;
  description?: string;
  integration: Integration;
}

export interface WebSocketRouteResponse {
  routeResponseId: string;
  /** `$default` is the only key Portico selects (as for non-proxy selection in AWS). */
  routeResponseKey: string;
}

export interface WebSocketRoute {
  routeId: string;
  /** `$connect`, `$disconnect`, `$default`, or a value of the route selection expression. */
  routeKey: string;
  /** The integration's id (`integrations/{id}` in the v2 API's `Target`); none = no backend. */
  integrationId?: string;
  /** `$default` makes the route two-way: the integration's reply goes back to the client. */
  routeResponseSelectionExpression?: string;
  routeResponses: WebSocketRouteResponse[];
  /** NONE, AWS_IAM or CUSTOM; only `$connect` may have anything but NONE (as AWS). */
  authorizationType: string;
  /** CUSTOM: the API's authorizer (`authorizers` key) that decides the handshake. */
  authorizerId?: string;
  apiKeyRequired: boolean;
}

/**
 * A Lambda REQUEST authorizer of a WebSocket API, as the v2 management API shows it. Identity
 * sources are v2's: `route.request.header.X`, `route.request.querystring.X`, `stageVariables.X`,
 * `context.X`.
 */
export interface WebSocketAuthorizer {
  authorizerId: string;
  name: string;
  authorizerType: 'REQUEST';
  /** The function (a Lambda invocation URI, an ARN or a bare name). */
  authorizerUri: string;
  identitySource: string[];
  /** 0–3600; 0 = results not cached. */
  authorizerResultTtlInSeconds: number;
}

/** Beyond AWS: per-API protections applied at the upgrade. */
export interface WebSocketSettings {
  /**
   * Browser `Origin` values allowed to connect (exact, lower-case `scheme://host[:port]`, or
   * `*`); empty = any. Guards against cross-site WebSocket hijacking.
   */
  allowedOrigins: string[];
  /** New connections per second accepted for the API on one edge; 0 = no limit. */
  maxConnectionsPerSecond: number;
}

export interface WebSocketDefinition {
  routeSelectionExpression: string;
  /** Keyed by id. */
  integrations: Record<string, WebSocketIntegration>;
  /** Keyed by id; route keys are unique within an API. */
  routes: Record<string, WebSocketRoute>;
  /** Keyed by id; absent in definitions stored before authorizers existed. */
  authorizers?: Record<string, WebSocketAuthorizer>;
  settings: WebSocketSettings;
}

export const DEFAULT_WEBSOCKET_SETTINGS: WebSocketSettings = {
  allowedOrigins: [],
  maxConnectionsPerSecond: 500,
};

/**
 * A route selection expression API Gateway accepts: `$request.body.<path>` (dotted JSON path,
 * each part a JSON member name), or a constant. Returns the path parts, or undefined for a
 * constant (then every message selects the route whose key is the expression itself).
 */
export function parseRouteSelectionExpression(expr: string): string[] | undefined {
  const prefix = '$request.body.';
  if (!expr.startsWith(prefix)) return undefined;
  const parts = expr.slice(prefix.length).split('.');
  if (parts.some((p) => p === '')) {
    throw new Error(`Invalid route selection expression: ${expr}`);
  }
  return parts;
}

/** Whether `expr` is valid as a route selection expression (for management-side checks). */
export function isValidRouteSelectionExpression(expr: string): boolean {
  if (expr.length === 0 || expr.length > 256) return false;
  if (!expr.startsWith('$request.body.')) return !expr.startsWith('$');
  try {
    parseRouteSelectionExpression(expr);
    return true;
  } catch {
    return false;
  }
}

const V2_SOURCE =
  /^(route\.request\.(header|querystring)\.[^.,\s]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$/;

/**
 * A WebSocket authorizer as the function authorizer the edge runs (the REST one's checks and
 * semantics): v2's `route.request.*` identity sources become `method.request.*`. Or a string
 * saying why it cannot run (management and the config file refuse it).
 */
export function webSocketFunctionAuthorizer(a: WebSocketAuthorizer): FunctionAuthorizer | string {
  if (a.authorizerType !== 'REQUEST') {
    return `authorizerType ${a.authorizerType} is not supported for WebSocket APIs (REQUEST only)`;
  }
  const bad = a.identitySource.find((s) => !V2_SOURCE.test(s));
  if (bad !== undefined) {
    return `identitySource ${JSON.stringify(bad)} is not route.request.header.X, route.request.querystring.X, stageVariables.X or context.X`;
  }
  return readFunctionAuthorizer(a.name, {
    'x-amazon-apigateway-authorizer': {
      type: 'request',
      authorizerUri: a.authorizerUri,
      identitySource: a.identitySource
        .map((s) => s.replace(/^route\.request\./, 'method.request.'))
        .join(','),
      authorizerResultTtlInSeconds: a.authorizerResultTtlInSeconds,
    },
  });
}

/** The definition of a WebSocket API: the root resource alone, with the WebSocket part. */
export function webSocketApiDefinition(
  title: string,
  webSocket: WebSocketDefinition,
  opts: { description?: string; version?: string } = {},
): ApiDefinition {
  return {
    title,
    version: opts.version,
    description: opts.description,
    binaryMediaTypes: [],
    apiKeySource: 'HEADER',
    gatewayResponses: {},
    resources: [{ id: resourceIdFor('/'), pathPart: '', path: '/', methods: {} }],
    models: {},
    securitySchemes: {},
    extensions: {},
    webSocket,
  };
}

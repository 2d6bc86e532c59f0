import {
  DEFAULT_ROUTE,
  type FunctionAuthorizer,
  type Integration,
  parseRouteSelectionExpression,
  type WebSocketDefinition,
  type WebSocketRoute,
  type WebSocketSettings,
  webSocketFunctionAuthorizer,
} from '@portico/definitions';
import { NO_ROUTE_THROTTLING, type RouteThrottling } from './websocket-throttling';

/** A route as the edge serves it: its integration resolved, two-way or not. */
export interface ServedRoute {
  readonly routeKey: string;
  readonly integration?: Integration;
  /** The integration's reply goes back to the client (a `$default` route response). */
  readonly twoWay: boolean;
  /** CUSTOM: the Lambda REQUEST authorizer that decides the handshake (`$connect` only). */
  readonly authorizer?: FunctionAuthorizer;
  /** AWS_IAM: the handshake must be SigV4-signed and allowed on `…/{stage}/$connect`. */
  readonly iam?: boolean;
  /** The handshake must carry an enabled API key (`$connect` only). */
  readonly apiKeyRequired?: boolean;
  /**
   * What the route asks of the caller that this gateway cannot check (an authorizer that
   * cannot run): such a `$connect` is refused, never served open.
   */
  readonly unsupportedAuth?: string;
}

/** What a WebSocket API stage serves: routes by key and how a message selects one. */
export interface CompiledWebSocket {
  readonly routes: ReadonlyMap<string, ServedRoute>;
  /** JSON path of `$request.body.…`; undefined when the expression is a constant. */
  readonly selectionPath?: readonly string[];
  readonly constantKey?: string;
  readonly settings: WebSocketSettings;
  /** The stage's route throttling (v2 `defaultRouteSettings` and `routeSettings`). */
  readonly throttling: RouteThrottling;
}

/**
 * Throws when the definition cannot be served (bad expression, route naming a missing
 * integration). `throttling` is the stage's, compiled by `compileRouteThrottling` from its v2
 * route settings (`defaultRouteSettings`, `routeSettings`).
 */
export function compileWebSocket(
  def: WebSocketDefinition,
  throttling: RouteThrottling = NO_ROUTE_THROTTLING,
): CompiledWebSocket {
  const selectionPath = parseRouteSelectionExpression(def.routeSelectionExpression);
  const routes = new Map<string, ServedRoute>();
  for (const route of Object.values(def.routes)) {
    let integration: Integration | undefined;
    if (route.integrationId !== undefined) {
      integration = def.integrations[route.integrationId]?.integration;
      if (!integration) {
        throw new Error(
          `Route ${route.routeKey} targets integration ${route.integrationId}, which does not exist`,
        );
      }
    }
    const auth = routeAuthorization(def, route);
    routes.set(route.routeKey, {
      routeKey: route.routeKey,
      integration,
      twoWay:
        route.routeResponseSelectionExpression !== undefined &&
        route.routeResponses.some((r) => r.routeResponseKey === DEFAULT_ROUTE),
      ...(typeof auth === 'string' ? { unsupportedAuth: auth } : auth),
    });
  }
  return {
    routes,
    selectionPath,
    constantKey: selectionPath ? undefined : def.routeSelectionExpression,
    settings: def.settings,
    throttling,
  };
}

/** The checks a route's handshake needs, or what makes it impossible to serve checked. */
function routeAuthorization(
  def: WebSocketDefinition,
  route: WebSocketRoute,
): Pick<ServedRoute, 'authorizer' | 'iam' | 'apiKeyRequired'> | string {
  const key = route.apiKeyRequired ? { apiKeyRequired: true } : {};
  if (route.authorizationType === 'NONE') return key;
  if (route.authorizationType === 'AWS_IAM') return { ...key, iam: true };
  if (route.authorizationType !== 'CUSTOM') return `authorizationType ${route.authorizationType}`;
  const id = route.authorizerId ?? '';
  const stored =
    def.authorizers && Object.hasOwn(def.authorizers, id) ? def.authorizers[id] : undefined;
  if (!stored) return `authorizer ${id || '(none)'}, which does not exist`;
  const authorizer = webSocketFunctionAuthorizer(stored);
  return typeof authorizer === 'string'
    ? `authorizer ${stored.name}: ${authorizer}`
    : { ...key, authorizer };
}

/**
 * The route for a message, as API Gateway selects it: the value at the expression's JSON path
 * (a string, or a number or boolean as its text) names the route; a message that is not JSON,
 * lacks the member or names no route goes to `$default`. Undefined: no route at all.
 */
export function selectRoute(
  ws: CompiledWebSocket,
  data: Buffer,
  isBinary: boolean,
): ServedRoute | undefined {
  const key = ws.constantKey ?? (isBinary ? undefined : selectionValue(data, ws.selectionPath!));
  // `$connect`, `$disconnect` and `$default` are never chosen by a message's content.
  const route = key !== undefined && !key.startsWith('$') ? ws.routes.get(key) : undefined;
  return route ?? ws.routes.get(DEFAULT_ROUTE);
}

function selectionValue(data: Buffer, path: readonly string[]): string | undefined {
  // Not JSON at all: skip the parse (and its exception) for the common plain-text message.
  const first = firstNonSpace(data);
  if (first !== 0x7b /* { */) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  for (const part of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function firstNonSpace(data: Buffer): number | undefined {
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
  }
  return undefined;
}

import { createHash } from 'node:crypto';
import {
  CONNECT_ROUTE,
  DEFAULT_ROUTE,
  DEFAULT_AUTHORIZER_TTL_SECONDS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_WEBSOCKET_SETTINGS,
  DISCONNECT_ROUTE,
  functionNameFromUri,
  generateId,
  INTEGRATION_TYPES,
  type Integration,
  type IntegrationResponse,
  type IntegrationType,
  isValidRouteSelectionExpression,
  MAX_TIMEOUT_MS,
  MIN_TIMEOUT_MS,
  type PassthroughBehavior,
  type RestApi,
  type WebSocketAuthorizer,
  type WebSocketDefinition,
  type WebSocketRoute,
  type WebSocketSettings,
  webSocketApiDefinition,
  webSocketFunctionAuthorizer,
} from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import { newRestApi, withDefinition } from '../restapis/rest-api.factory';

/*
 * Building and checking WebSocket APIs, shared by the v2 management API and the config file.
 * A WebSocket API is a RestApi record (protocolType WEBSOCKET) whose definition has only the
 * root resource, no methods, and `webSocket`.
 */

/** The only route response selection expression Portico acts on (as AWS for WebSocket APIs). */
export const ROUTE_RESPONSE_SELECTION_EXPRESSION = '$default';
const PREDEFINED_ROUTE_KEYS: readonly string[] = [CONNECT_ROUTE, DISCONNECT_ROUTE, DEFAULT_ROUTE];
const PASSTHROUGH_BEHAVIORS: readonly string[] = ['WHEN_NO_MATCH', 'WHEN_NO_TEMPLATES', 'NEVER'];
const AUTHORIZATION_TYPES = ['NONE', 'AWS_IAM', 'CUSTOM'] as const;
const MAX_ROUTE_KEY_LENGTH = 128;

export interface NewWebSocketApi {
  id: string;
  name: string;
  description?: string;
  version?: string;
  routeSelectionExpression: string;
  createdDate: number;
  tags?: Record<string, string>;
  settings?: WebSocketSettings;
  disableExecuteApiEndpoint?: boolean;
}

export function newWebSocketApi(opts: NewWebSocketApi): RestApi {
  checkRouteSelectionExpression(opts.routeSelectionExpression);
  const webSocket: WebSocketDefinition = {
    routeSelectionExpression: opts.routeSelectionExpression,
    integrations: {},
    routes: {},
    settings: { ...(opts.settings ?? DEFAULT_WEBSOCKET_SETTINGS) },
  };
  const api = newRestApi({
    id: opts.id,
    name: opts.name,
    createdDate: opts.createdDate,
    endpointTypes: ['REGIONAL'],
    tags: opts.tags,
    definition: webSocketApiDefinition(opts.name, webSocket, opts),
  });
  return {
    ...api,
    protocolType: 'WEBSOCKET',
    disableExecuteApiEndpoint: opts.disableExecuteApiEndpoint ?? false,
  };
}

/** The WebSocket part of an API's definition (every WEBSOCKET record has one). */
export function webSocketOf(api: RestApi): WebSocketDefinition {
  const ws = api.definition.webSocket;
  if (!ws) throw new Error(`WebSocket API ${api.id} has no webSocket definition`);
  return ws;
}

/** The API with its WebSocket part (and, optionally, name and description) replaced. */
export function withWebSocket(
  api: RestApi,
  webSocket: WebSocketDefinition,
  change: { name?: string; description?: string } = {},
): RestApi {
  const name = change.name ?? api.name;
  const definition = webSocketApiDefinition(name, webSocket, {
    description: 'description' in change ? change.description : api.description,
    version: api.version,
  });
  return { ...withDefinition(api, definition, name), protocolType: 'WEBSOCKET' };
}

export function checkRouteSelectionExpression(expr: string): void {
  if (!isValidRouteSelectionExpression(expr)) {
    throw new AwsBadRequestException(
      `Invalid route selection expression: ${JSON.stringify(expr)} (expected $request.body.<member> or a constant)`,
    );
  }
}

/** `$connect`, `$disconnect`, `$default`, or a key of the API's own that does not start with `$`. */
export function checkRouteKey(key: string): void {
  if (key.length === 0 || key.length > MAX_ROUTE_KEY_LENGTH) {
    throw new AwsBadRequestException(
      `Invalid route key: ${JSON.stringify(key)} (1 to ${MAX_ROUTE_KEY_LENGTH} characters)`,
    );
  }
  if (key.startsWith('$') && !PREDEFINED_ROUTE_KEYS.includes(key)) {
    throw new AwsBadRequestException(
      `Invalid route key: ${key} (keys starting with $ are reserved: ${PREDEFINED_ROUTE_KEYS.join(', ')})`,
    );
  }
}

export function checkRouteResponseSelectionExpression(expr: string | undefined): void {
  if (expr !== undefined && expr !== ROUTE_RESPONSE_SELECTION_EXPRESSION) {
    throw new AwsBadRequestException(
      `Invalid route response selection expression: ${expr} (WebSocket APIs support only $default)`,
    );
  }
}

export interface RouteInput {
  routeKey?: string;
  target?: string;
  routeResponseSelectionExpression?: string;
  authorizationType?: string;
  authorizerId?: string;
  apiKeyRequired?: boolean;
}

/**
 * The route members a CreateRoute or UpdateRoute body sets, checked and normalised; members it
 * leaves out are absent. Whether the target and key fit the API is checked against the API.
 */
export function routeFields(input: RouteInput): Partial<WebSocketRoute> {
  const fields: Partial<WebSocketRoute> = {};
  if (input.routeKey !== undefined) {
    checkRouteKey(input.routeKey);
    fields.routeKey = input.routeKey;
  }
  if (input.target !== undefined) fields.integrationId = integrationIdOfTarget(input.target);
  if (input.routeResponseSelectionExpression !== undefined) {
    checkRouteResponseSelectionExpression(input.routeResponseSelectionExpression);
    fields.routeResponseSelectionExpression = input.routeResponseSelectionExpression;
  }
  if (input.authorizationType !== undefined) {
    const authorizationType = input.authorizationType.toUpperCase();
    if (!(AUTHORIZATION_TYPES as readonly string[]).includes(authorizationType)) {
      throw new AwsBadRequestException(
        `Invalid authorizationType: ${input.authorizationType} (expected one of ${AUTHORIZATION_TYPES.join(', ')})`,
      );
    }
    fields.authorizationType = authorizationType;
    // Only CUSTOM names an authorizer: NONE or AWS_IAM detaches the one it had.
    if (authorizationType !== 'CUSTOM') fields.authorizerId = undefined;
  }
  if (input.authorizerId !== undefined && (fields.authorizationType ?? 'CUSTOM') === 'CUSTOM') {
    fields.authorizerId = input.authorizerId;
  }
  if (input.apiKeyRequired !== undefined) fields.apiKeyRequired = input.apiKeyRequired;
  return fields;
}

/**
 * A route's authorization as AWS allows it on WebSocket APIs: only `$connect` may have any, and
 * CUSTOM must name one of the API's authorizers.
 */
export function checkRouteAuthorization(ws: WebSocketDefinition, route: WebSocketRoute): void {
  if (route.authorizationType !== 'NONE' && route.routeKey !== CONNECT_ROUTE) {
    throw new AwsBadRequestException(
      'Currently, authorization is restricted to the $connect route only',
    );
  }
  if (route.authorizationType !== 'CUSTOM') return;
  const id = route.authorizerId ?? '';
  if (!ws.authorizers || !Object.hasOwn(ws.authorizers, id)) {
    throw new AwsBadRequestException(
      `Invalid authorizer ID specified${id ? `: ${id}` : ''}. Setting the authorization type to CUSTOM requires a valid authorizer.`,
    );
  }
}

export interface AuthorizerInput {
  name: string;
  authorizerType: string;
  authorizerUri?: string;
  identitySource?: string[];
  authorizerResultTtlInSeconds?: number;
}

/**
 * A CreateAuthorizer body (or a config-file authorizer) as the authorizer stored, refused unless
 * the edge can run it (the checks the REST authorizers get: a function, identity sources, TTL).
 */
export function webSocketAuthorizer(
  authorizerId: string,
  input: AuthorizerInput,
): WebSocketAuthorizer {
  const authorizer: WebSocketAuthorizer = {
    authorizerId,
    name: input.name,
    authorizerType: input.authorizerType.toUpperCase() as 'REQUEST',
    authorizerUri: input.authorizerUri ?? '',
    identitySource: input.identitySource ?? [],
    authorizerResultTtlInSeconds:
      input.authorizerResultTtlInSeconds ?? DEFAULT_AUTHORIZER_TTL_SECONDS,
  };
  const runnable = webSocketFunctionAuthorizer(authorizer);
  if (typeof runnable === 'string') {
    throw new AwsBadRequestException(`Invalid authorizer: ${runnable}`);
  }
  return authorizer;
}

/** The first route that uses the authorizer, if one does (it may not be deleted then). */
export function routeUsing(
  ws: WebSocketDefinition,
  authorizerId: string,
): WebSocketRoute | undefined {
  return Object.values(ws.routes).find(
    (r) => r.authorizationType === 'CUSTOM' && r.authorizerId === authorizerId,
  );
}

/** A 7-character id (as AWS's route, integration and authorizer ids) not yet a key of `taken`. */
export function unusedId(taken: Record<string, unknown>): string {
  for (;;) {
    const id = generateId(7);
    if (!Object.hasOwn(taken, id)) return id;
  }
}

export interface IntegrationInput {
  integrationType: string;
  integrationUri?: string;
  integrationMethod?: string;
  timeoutInMillis?: number;
  requestParameters?: Record<string, string>;
  requestTemplates?: Record<string, string>;
  passthroughBehavior?: string;
  contentHandlingStrategy?: string;
  /** MOCK only: the reply sent back (through a route response) for every message. */
  responseTemplate?: string;
}

/** A v2 integration (or a config-file one) as the REST `Integration` shape the edge serves. */
export function webSocketIntegration(input: IntegrationInput): Integration {
  const type = input.integrationType.toUpperCase();
  if (!(INTEGRATION_TYPES as readonly string[]).includes(type)) {
    throw new AwsBadRequestException(
      `Invalid integration type: ${input.integrationType} (expected one of ${INTEGRATION_TYPES.join(', ')})`,
    );
  }
  const uri = input.integrationUri;
  if (type !== 'MOCK' && !uri) {
    throw new AwsBadRequestException(`An integration of type ${type} requires an integration URI`);
  }
  if (type === 'AWS_PROXY' && uri && functionNameFromUri(uri) === undefined) {
    throw new AwsBadRequestException(
      `Invalid integration URI for AWS_PROXY: ${uri} (expected a function name, a Lambda ARN or a Lambda invocation URI)`,
    );
  }
  if ((type === 'HTTP' || type === 'HTTP_PROXY') && uri && !/^https?:\/\/./i.test(uri)) {
    throw new AwsBadRequestException(
      `Invalid integration URI for ${type}: ${uri} (expected an http:// or https:// URL)`,
    );
  }
  const timeout = input.timeoutInMillis ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout < MIN_TIMEOUT_MS || timeout > MAX_TIMEOUT_MS) {
    throw new AwsBadRequestException(
      `Invalid timeoutInMillis: ${timeout} (expected ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS})`,
    );
  }
  const passthrough = input.passthroughBehavior ?? 'WHEN_NO_MATCH';
  if (!PASSTHROUGH_BEHAVIORS.includes(passthrough)) {
    throw new AwsBadRequestException(
      `Invalid passthroughBehavior: ${passthrough} (expected one of ${PASSTHROUGH_BEHAVIORS.join(', ')})`,
    );
  }
  const contentHandling = input.contentHandlingStrategy;
  if (contentHandling !== undefined && !/^CONVERT_TO_(BINARY|TEXT)$/.test(contentHandling)) {
    throw new AwsBadRequestException(`Invalid contentHandlingStrategy: ${contentHandling}`);
  }
  const responses: IntegrationResponse[] =
    type === 'MOCK' && input.responseTemplate !== undefined
      ? [
          {
            selectionPattern: 'default',
            statusCode: '200',
            responseParameters: {},
            responseTemplates: { 'application/json': input.responseTemplate },
          },
        ]
      : [];
  return {
    type: type as IntegrationType,
    httpMethod: type === 'MOCK' ? undefined : (input.integrationMethod ?? 'POST').toUpperCase(),
    uri: type === 'MOCK' ? undefined : input.integrationUri,
    timeoutInMillis: timeout,
    requestParameters: { ...input.requestParameters },
    requestTemplates: { ...input.requestTemplates },
    passthroughBehavior: passthrough as PassthroughBehavior,
    contentHandling: contentHandling as Integration['contentHandling'],
    cacheKeyParameters: [],
    responses,
  };
}

/** What an integration was built from, so UpdateIntegration can change some of it and rebuild. */
export function integrationInputOf(integration: Integration): IntegrationInput {
  return {
    integrationType: integration.type,
    integrationUri: integration.uri,
    integrationMethod: integration.httpMethod,
    timeoutInMillis: integration.timeoutInMillis,
    requestParameters: integration.requestParameters,
    requestTemplates: integration.requestTemplates,
    passthroughBehavior: integration.passthroughBehavior,
    contentHandlingStrategy: integration.contentHandling,
    responseTemplate: integration.responses[0]?.responseTemplates['application/json'],
  };
}

/**
 * A map an Update operation changes member by member, as AWS does for stage variables and
 * request parameters: a member set to "" is removed, the others are set, the rest stay.
 */
export function mergeMap(
  current: Record<string, string>,
  change: Record<string, string>,
): Record<string, string> {
  const merged = { ...current, ...change };
  for (const [name, value] of Object.entries(change)) {
    if (value === '') delete merged[name];
  }
  return merged;
}

/** `integrations/{id}` → id; anything else is not a target Portico can serve. */
export function integrationIdOfTarget(target: string): string {
  const match = /^integrations\/([^/]+)$/.exec(target);
  if (!match?.[1]) {
    throw new AwsBadRequestException(
      `Invalid target: ${target} (expected integrations/{integrationId})`,
    );
  }
  return match[1];
}

export const targetOf = (integrationId: string): string => `integrations/${integrationId}`;

/**
 * A 7-character id derived from its parts (the config file's route and integration ids), so
 * redeploying an unchanged file writes nothing new.
 */
export function stableId(...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return (digest.readBigUInt64BE(0) % 36n ** 7n).toString(36).padStart(7, '0');
}

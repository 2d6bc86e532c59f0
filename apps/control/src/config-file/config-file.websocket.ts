import {
  DEFAULT_ROUTE_SELECTION_EXPRESSION,
  DEFAULT_WEBSOCKET_SETTINGS,
  type WebSocketAuthorizer,
  type WebSocketDefinition,
  type WebSocketIntegration,
  type WebSocketRoute,
  webSocketApiDefinition,
} from '@portico/definitions';
import { AwsException } from '../common/aws-errors';
import {
  checkRouteAuthorization,
  checkRouteKey,
  checkRouteSelectionExpression,
  ROUTE_RESPONSE_SELECTION_EXPRESSION,
  stableId,
  webSocketAuthorizer,
  webSocketIntegration,
} from '../v2/websocket-api.factory';
import type { ConfigFileDocument, ConfigFileRoute } from './config-file.schema';
import type { ConfigFileError, DesiredApi, DesiredStage } from './config-file.loader';

type WebSocketApiEntry = NonNullable<ConfigFileDocument['webSocketApis']>[number];

/**
 * A `webSocketApis` entry as the API it deploys. Route, integration and route response ids
 * derive from the API id and route key, so an unchanged file builds an identical definition
 * (and redeploying it writes nothing).
 */
export function resolveWebSocketApi(
  entry: WebSocketApiEntry,
  at: string,
  stages: DesiredStage[],
  idFromName: (name: string) => string,
  fail: (message: string) => ConfigFileError,
): DesiredApi {
  if (entry.id === undefined && entry.name === undefined) {
    throw fail(`${at} needs an id or a name`);
  }
  const id = entry.id ?? idFromName(entry.name!);
  const name = entry.name ?? id;
  const expr = entry.routeSelectionExpression ?? DEFAULT_ROUTE_SELECTION_EXPRESSION;
  const integrations: Record<string, WebSocketIntegration> = {};
  const routes: Record<string, WebSocketRoute> = {};
  const authorizers: Record<string, WebSocketAuthorizer> = {};
  asConfigError(fail, `${at}.routeSelectionExpression`, () => checkRouteSelectionExpression(expr));
  for (const [name, spec] of Object.entries(entry.authorizers ?? {})) {
    const authorizerId = stableId(id, 'authorizer', name);
    authorizers[authorizerId] = asConfigError(fail, `${at}.authorizers.${name}`, () =>
      webSocketAuthorizer(authorizerId, {
        name,
        authorizerType: 'REQUEST',
        authorizerUri: spec.uri,
        identitySource: spec.identitySource,
        authorizerResultTtlInSeconds: spec.authorizerResultTtlInSeconds,
      }),
    );
  }
  for (const [routeKey, route] of Object.entries(entry.routes ?? {})) {
    const rat = `${at}.routes.${routeKey}`;
    asConfigError(fail, rat, () => checkRouteKey(routeKey));
    const integrationId = stableId(id, 'integration', routeKey);
    integrations[integrationId] = {
      integrationId,
      integration: asConfigError(fail, `${rat}.integration`, () => integrationOf(route)),
    };
    const routeId = stableId(id, 'route', routeKey);
    if (
      route.authorizer !== undefined &&
      !Object.hasOwn(entry.authorizers ?? {}, route.authorizer)
    ) {
      throw fail(
        `${rat}.authorizer: ${at}.authorizers has no authorizer named ${route.authorizer}`,
      );
    }
    routes[routeId] = {
      routeId,
      routeKey,
      integrationId,
      routeResponseSelectionExpression: route.routeResponse
        ? ROUTE_RESPONSE_SELECTION_EXPRESSION
        : undefined,
      routeResponses: route.routeResponse
        ? [
            {
              routeResponseId: stableId(id, 'route-response', routeKey, '$default'),
              routeResponseKey: '$default',
            },
          ]
        : [],
      ...(route.authorizer === undefined
        ? { authorizationType: 'NONE' }
        : {
            authorizationType: 'CUSTOM',
            authorizerId: stableId(id, 'authorizer', route.authorizer),
          }),
      apiKeyRequired: false,
    };
  }
  if (stages.length > 0 && Object.keys(routes).length === 0) {
    throw fail(`${at}.routes is empty, so the API cannot be deployed`);
  }
  const webSocket: WebSocketDefinition = {
    routeSelectionExpression: expr,
    integrations,
    routes,
    // Left out when there are none, so files written before authorizers deploy unchanged.
    ...(Object.keys(authorizers).length > 0 ? { authorizers } : {}),
    settings: {
      allowedOrigins: (entry.allowedOrigins ?? DEFAULT_WEBSOCKET_SETTINGS.allowedOrigins).map((o) =>
        o.toLowerCase(),
      ),
      maxConnectionsPerSecond:
        entry.maxConnectionsPerSecond ?? DEFAULT_WEBSOCKET_SETTINGS.maxConnectionsPerSecond,
    },
  };
  for (const route of Object.values(routes)) {
    asConfigError(fail, `${at}.routes.${route.routeKey}.authorizer`, () =>
      checkRouteAuthorization(webSocket, route),
    );
  }
  return {
    id,
    name,
    at,
    protocolType: 'WEBSOCKET',
    definition: webSocketApiDefinition(name, webSocket),
    stages,
  };
}

function integrationOf(route: ConfigFileRoute) {
  const i = route.integration;
  if (i.responseTemplate !== undefined && i.type !== 'MOCK') {
    throw new AwsException(
      'BadRequestException',
      400,
      'responseTemplate is only for MOCK integrations',
    );
  }
  return webSocketIntegration({
    integrationType: i.type,
    integrationUri: i.uri,
    integrationMethod: i.method,
    timeoutInMillis: i.timeoutInMillis,
    requestParameters: i.requestParameters,
    requestTemplates: i.requestTemplates,
    responseTemplate: i.responseTemplate,
  });
}

/** The checks shared with the management API throw its errors; the file reports them by field. */
function asConfigError<T>(fail: (message: string) => ConfigFileError, at: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof AwsException) throw fail(`${at}: ${err.message}`);
    throw err;
  }
}

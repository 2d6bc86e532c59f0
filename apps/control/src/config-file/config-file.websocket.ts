import {
  DEFAULT_ROUTE_SELECTION_EXPRESSION,
  DEFAULT_WEBSOCKET_SETTINGS,
  type WebSocketDefinition,
  type WebSocketIntegration,
  type WebSocketRoute,
  webSocketApiDefinition,
} from '@portico/definitions';
import { AwsException } from '../common/aws-errors';
import {
  checkRouteKey,
  checkRouteSelectionExpression,
  ROUTE_RESPONSE_SELECTION_EXPRESSION,
  stableId,
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
  asConfigError(fail, `${at}.routeSelectionExpression`, () => checkRouteSelectionExpression(expr));
  for (const [routeKey, route] of Object.entries(entry.routes ?? {})) {
    const rat = `${at}.routes.${routeKey}`;
    asConfigError(fail, rat, () => checkRouteKey(routeKey));
    const integrationId = stableId(id, 'integration', routeKey);
    integrations[integrationId] = {
      integrationId,
      integration: asConfigError(fail, `${rat}.integration`, () => integrationOf(route)),
    };
    const routeId = stableId(id, 'route', routeKey);
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
      authorizationType: 'NONE',
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
    settings: {
      allowedOrigins: (entry.allowedOrigins ?? DEFAULT_WEBSOCKET_SETTINGS.allowedOrigins).map((o) =>
        o.toLowerCase(),
      ),
      maxConnectionsPerSecond:
        entry.maxConnectionsPerSecond ?? DEFAULT_WEBSOCKET_SETTINGS.maxConnectionsPerSecond,
    },
  };
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

import type {
  Deployment,
  RestApi,
  Stage,
  WebSocketAuthorizer,
  WebSocketIntegration,
  WebSocketRoute,
  WebSocketRouteResponse,
} from '@portico/definitions';
import type { Page } from '../common/pagination';
import { targetOf, webSocketOf } from './websocket-api.factory';
import { routeSettingsShape } from './websocket-route-settings';

/*
 * The JSON that Amazon API Gateway's v2 management API answers, field for field as
 * `@aws-sdk/client-apigatewayv2` parses it: lowerCamelCase members, ISO-8601 timestamps,
 * lists as `{ items, nextToken }`.
 */

type Shape = Record<string, unknown>;

/** Portico keeps epoch seconds; v2 answers ISO-8601 date-times. */
const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();

/** v2 list parameters (query `maxResults`, `nextToken`). */
export interface V2PageQuery {
  maxResults?: string;
  nextToken?: string;
}

/** v2's paging parameters as the shared paginator's (`nextToken` is its opaque position). */
export function pageOf(query: V2PageQuery): { limit?: string; position?: string } {
  return { limit: query.maxResults, position: query.nextToken };
}

export function v2Page(page: Page<Shape>): { items: Shape[]; nextToken?: string } {
  return { items: page.item, nextToken: page.position };
}

export function apiShape(api: RestApi, domain: string): Shape {
  return {
    apiId: api.id,
    name: api.name,
    protocolType: 'WEBSOCKET',
    routeSelectionExpression: webSocketOf(api).routeSelectionExpression,
    apiEndpoint: `wss://${api.id}.execute-api.${domain}`,
    apiKeySelectionExpression: '$request.header.x-api-key',
    createdDate: iso(api.createdDate),
    description: api.description,
    version: api.version,
    disableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
    disableSchemaValidation: false,
    tags: api.tags,
  };
}

export function integrationShape(i: WebSocketIntegration): Shape {
  const { integration } = i;
  return {
    integrationId: i.integrationId,
    description: i.description,
    integrationType: integration.type,
    integrationUri: integration.uri,
    integrationMethod: integration.httpMethod,
    connectionType: 'INTERNET',
    timeoutInMillis: integration.timeoutInMillis,
    requestParameters: nonEmpty(integration.requestParameters),
    requestTemplates: nonEmpty(integration.requestTemplates),
    passthroughBehavior: integration.passthroughBehavior,
    contentHandlingStrategy: integration.contentHandling,
    payloadFormatVersion: '1.0',
    apiGatewayManaged: false,
  };
}

export function routeShape(r: WebSocketRoute): Shape {
  return {
    routeId: r.routeId,
    routeKey: r.routeKey,
    target: r.integrationId === undefined ? undefined : targetOf(r.integrationId),
    routeResponseSelectionExpression: r.routeResponseSelectionExpression,
    authorizationType: r.authorizationType,
    authorizerId: r.authorizerId,
    apiKeyRequired: r.apiKeyRequired,
    apiGatewayManaged: false,
  };
}

export function authorizerShape(a: WebSocketAuthorizer): Shape {
  return {
    authorizerId: a.authorizerId,
    name: a.name,
    authorizerType: a.authorizerType,
    authorizerUri: a.authorizerUri,
    identitySource: a.identitySource,
    authorizerResultTtlInSeconds: a.authorizerResultTtlInSeconds,
  };
}

export function routeResponseShape(r: WebSocketRouteResponse): Shape {
  return { routeResponseId: r.routeResponseId, routeResponseKey: r.routeResponseKey };
}

export function stageShape(s: Stage): Shape {
  return {
    stageName: s.stageName,
    deploymentId: s.deploymentId,
    description: s.description,
    stageVariables: s.variables,
    createdDate: iso(s.createdDate),
    lastUpdatedDate: iso(s.lastUpdatedDate),
    autoDeploy: false,
    apiGatewayManaged: false,
    ...routeSettingsShape(s),
    tags: s.tags,
  };
}

export function deploymentShape(d: Deployment): Shape {
  return {
    deploymentId: d.id,
    description: d.description,
    createdDate: iso(d.createdDate),
    deploymentStatus: 'DEPLOYED',
    autoDeployed: false,
  };
}

function nonEmpty<T extends object>(value: T): T | undefined {
  return Object.keys(value).length > 0 ? value : undefined;
}

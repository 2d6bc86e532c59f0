import { Injectable, Logger } from '@nestjs/common';
import {
  DefinitionStore,
  type WebSocketDefinition,
  type WebSocketRoute,
} from '@portico/definitions';
import {
  AwsBadRequestException,
  AwsConflictException,
  AwsNotFoundException,
} from '../common/aws-errors';
import { paginate } from '../common/pagination';
import {
  checkRouteAuthorization,
  integrationInputOf,
  mergeMap,
  routeFields,
  targetOf,
  unusedId,
  webSocketIntegration,
} from './websocket-api.factory';
import type {
  CreateIntegrationBody,
  CreateRouteBody,
  CreateRouteResponseBody,
  UpdateIntegrationBody,
  UpdateRouteBody,
} from './websocket-api.schemas';
import {
  integrationShape,
  pageOf,
  routeResponseShape,
  routeShape,
  v2Page,
  type V2PageQuery,
} from './websocket-api.shapes';
import { changeWebSocket, readWebSocket } from './websocket-definitions';

type Shape = Record<string, unknown>;
type Items = { items: Shape[]; nextToken?: string };

/**
 * Integrations, routes and route responses of a WebSocket API. Each change rewrites the API's
 * definition under its lock; stages keep serving their deployment until the next one (as AWS).
 */
@Injectable()
export class WebSocketRoutesService {
  private readonly logger = new Logger(WebSocketRoutesService.name);

  constructor(private readonly store: DefinitionStore) {}

  async createIntegration(apiId: string, req: CreateIntegrationBody): Promise<Shape> {
    const integration = webSocketIntegration(req);
    const created = await this.change(apiId, (ws) => {
      const integrationId = unusedId(ws.integrations);
      const entry = { integrationId, description: req.description, integration };
      return {
        next: { ...ws, integrations: { ...ws.integrations, [integrationId]: entry } },
        result: entry,
      };
    });
    this.logger.log({ apiId, integrationId: created.integrationId }, 'integration created');
    return integrationShape(created);
  }

  async getIntegrations(apiId: string, query: V2PageQuery): Promise<Items> {
    const ws = await this.read(apiId);
    const page = paginate(Object.values(ws.integrations), pageOf(query));
    return v2Page({ ...page, item: page.item.map(integrationShape) });
  }

  async getIntegration(apiId: string, integrationId: string): Promise<Shape> {
    return integrationShape(findIntegration(await this.read(apiId), integrationId));
  }

  /**
   * UpdateIntegration: the members given replace the stored ones (request parameters member by
   * member, "" removing one), and the result is checked exactly as CreateIntegration checks.
   */
  async updateIntegration(
    apiId: string,
    integrationId: string,
    req: UpdateIntegrationBody,
  ): Promise<Shape> {
    const updated = await this.change(apiId, (ws) => {
      const current = findIntegration(ws, integrationId);
      const was = integrationInputOf(current.integration);
      const integration = webSocketIntegration({
        ...was,
        ...req,
        requestParameters: mergeMap(was.requestParameters ?? {}, req.requestParameters ?? {}),
      });
      const entry = {
        ...current,
        description: req.description ?? current.description,
        integration,
      };
      return {
        next: { ...ws, integrations: { ...ws.integrations, [integrationId]: entry } },
        result: entry,
      };
    });
    this.logger.log({ apiId, integrationId }, 'integration updated');
    return integrationShape(updated);
  }

  /** A route that targets the integration keeps it: AWS refuses, and so do we. */
  async deleteIntegration(apiId: string, integrationId: string): Promise<void> {
    await this.change(apiId, (ws) => {
      findIntegration(ws, integrationId);
      const users = Object.values(ws.routes).filter((r) => r.integrationId === integrationId);
      if (users.length > 0) {
        throw new AwsConflictException(
          `Integration ${integrationId} is the target of route(s) ${users.map((r) => r.routeKey).join(', ')}; change or delete them first`,
        );
      }
      const { [integrationId]: _gone, ...integrations } = ws.integrations;
      return { next: { ...ws, integrations }, result: undefined };
    });
    this.logger.log({ apiId, integrationId }, 'integration deleted');
  }

  async createRoute(apiId: string, req: CreateRouteBody): Promise<Shape> {
    const fields = routeFields(req);
    const route = await this.change(apiId, (ws) => {
      const routeId = unusedId(ws.routes);
      const created = placeRoute(ws, {
        routeId,
        routeKey: req.routeKey,
        routeResponses: [],
        authorizationType: 'NONE',
        apiKeyRequired: false,
        ...fields,
      });
      return { next: { ...ws, routes: { ...ws.routes, [routeId]: created } }, result: created };
    });
    this.logger.log({ apiId, routeId: route.routeId, routeKey: route.routeKey }, 'route created');
    return routeShape(route);
  }

  /** UpdateRoute: the members given replace the stored ones, checked as CreateRoute checks. */
  async updateRoute(apiId: string, routeId: string, req: UpdateRouteBody): Promise<Shape> {
    const fields = routeFields(req);
    const route = await this.change(apiId, (ws) => {
      const updated = placeRoute(ws, { ...findRoute(ws, routeId), ...fields });
      return { next: { ...ws, routes: { ...ws.routes, [routeId]: updated } }, result: updated };
    });
    this.logger.log({ apiId, routeId, routeKey: route.routeKey }, 'route updated');
    return routeShape(route);
  }

  async getRoutes(apiId: string, query: V2PageQuery): Promise<Items> {
    const ws = await this.read(apiId);
    const page = paginate(Object.values(ws.routes), pageOf(query));
    return v2Page({ ...page, item: page.item.map(routeShape) });
  }

  async getRoute(apiId: string, routeId: string): Promise<Shape> {
    return routeShape(findRoute(await this.read(apiId), routeId));
  }

  /** Its route responses go with it. */
  async deleteRoute(apiId: string, routeId: string): Promise<void> {
    await this.change(apiId, (ws) => {
      findRoute(ws, routeId);
      const { [routeId]: _gone, ...routes } = ws.routes;
      return { next: { ...ws, routes }, result: undefined };
    });
    this.logger.log({ apiId, routeId }, 'route deleted');
  }

  async createRouteResponse(
    apiId: string,
    routeId: string,
    req: CreateRouteResponseBody,
  ): Promise<Shape> {
    const created = await this.change(apiId, (ws) => {
      const route = findRoute(ws, routeId);
      if (route.routeResponses.some((r) => r.routeResponseKey === req.routeResponseKey)) {
        throw new AwsConflictException(
          `Route response key already exists for this route: ${req.routeResponseKey}`,
        );
      }
      const taken = Object.fromEntries(route.routeResponses.map((r) => [r.routeResponseId, r]));
      const response = { routeResponseId: unusedId(taken), routeResponseKey: req.routeResponseKey };
      const next = { ...route, routeResponses: [...route.routeResponses, response] };
      return { next: { ...ws, routes: { ...ws.routes, [routeId]: next } }, result: response };
    });
    this.logger.log(
      { apiId, routeId, routeResponseId: created.routeResponseId },
      'route response created',
    );
    return routeResponseShape(created);
  }

  async getRouteResponses(apiId: string, routeId: string, query: V2PageQuery): Promise<Items> {
    const route = findRoute(await this.read(apiId), routeId);
    const page = paginate(route.routeResponses, pageOf(query));
    return v2Page({ ...page, item: page.item.map(routeResponseShape) });
  }

  async getRouteResponse(apiId: string, routeId: string, responseId: string): Promise<Shape> {
    const route = findRoute(await this.read(apiId), routeId);
    return routeResponseShape(findRouteResponse(route, responseId));
  }

  async deleteRouteResponse(apiId: string, routeId: string, responseId: string): Promise<void> {
    await this.change(apiId, (ws) => {
      const route = findRoute(ws, routeId);
      const gone = findRouteResponse(route, responseId);
      const next = { ...route, routeResponses: route.routeResponses.filter((r) => r !== gone) };
      return { next: { ...ws, routes: { ...ws.routes, [routeId]: next } }, result: undefined };
    });
    this.logger.log({ apiId, routeId, routeResponseId: responseId }, 'route response deleted');
  }

  private read(apiId: string): Promise<WebSocketDefinition> {
    return readWebSocket(this.store, apiId);
  }

  private change<T>(
    apiId: string,
    fn: (ws: WebSocketDefinition) => { next: WebSocketDefinition; result: T },
  ): Promise<T> {
    return changeWebSocket(this.store, apiId, fn);
  }
}

function findIntegration(ws: WebSocketDefinition, integrationId: string) {
  // Own keys only: an id such as `constructor` must not find the prototype's member.
  const found = Object.hasOwn(ws.integrations, integrationId)
    ? ws.integrations[integrationId]
    : undefined;
  if (!found) {
    throw new AwsNotFoundException(`Invalid integration identifier specified: ${integrationId}`);
  }
  return found;
}

/**
 * The route, once its target is an integration of the API, no other route has its key, and its
 * authorization is one AWS allows.
 */
function placeRoute(ws: WebSocketDefinition, route: WebSocketRoute): WebSocketRoute {
  const { integrationId, routeKey } = route;
  if (integrationId !== undefined && !Object.hasOwn(ws.integrations, integrationId)) {
    throw new AwsBadRequestException(
      `Invalid target: ${targetOf(integrationId)} (the API has no integration ${integrationId})`,
    );
  }
  if (
    Object.values(ws.routes).some((r) => r.routeKey === routeKey && r.routeId !== route.routeId)
  ) {
    throw new AwsConflictException(`Route key already exists for this API: ${routeKey}`);
  }
  checkRouteAuthorization(ws, route);
  return route;
}

function findRoute(ws: WebSocketDefinition, routeId: string): WebSocketRoute {
  const found = Object.hasOwn(ws.routes, routeId) ? ws.routes[routeId] : undefined;
  if (!found) throw new AwsNotFoundException(`Invalid route identifier specified: ${routeId}`);
  return found;
}

function findRouteResponse(route: WebSocketRoute, responseId: string) {
  const found = route.routeResponses.find((r) => r.routeResponseId === responseId);
  if (!found) {
    throw new AwsNotFoundException(`Invalid route response identifier specified: ${responseId}`);
  }
  return found;
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import type { QueryParams } from '../common/query';
import { jsonBody } from '../common/request-body';
import {
  type CreateIntegrationBody,
  createIntegrationSchema,
  type CreateRouteBody,
  type CreateRouteResponseBody,
  createRouteResponseSchema,
  createRouteSchema,
  type UpdateIntegrationBody,
  updateIntegrationSchema,
  type UpdateRouteBody,
  updateRouteSchema,
} from './websocket-api.schemas';
import { v2PageQuery } from './websocket-apis.controller';
import { WebSocketRoutesService } from './websocket-routes.service';

/** Integrations, routes and route responses of a WebSocket API (v2 management API). */
@Controller('v2/apis/:apiId')
export class WebSocketRoutesController {
  constructor(private readonly routes: WebSocketRoutesService) {}

  @Post('integrations')
  @HttpCode(201)
  createIntegration(@Param('apiId') apiId: string, @Body() body: unknown) {
    const req = jsonBody<CreateIntegrationBody>(body, createIntegrationSchema);
    return this.routes.createIntegration(apiId, req);
  }

  @Get('integrations')
  getIntegrations(@Param('apiId') apiId: string, @Query() query: QueryParams) {
    return this.routes.getIntegrations(apiId, v2PageQuery(query));
  }

  @Get('integrations/:integrationId')
  getIntegration(@Param('apiId') apiId: string, @Param('integrationId') integrationId: string) {
    return this.routes.getIntegration(apiId, integrationId);
  }

  @Patch('integrations/:integrationId')
  updateIntegration(
    @Param('apiId') apiId: string,
    @Param('integrationId') integrationId: string,
    @Body() body: unknown,
  ) {
    const req = jsonBody<UpdateIntegrationBody>(body, updateIntegrationSchema);
    return this.routes.updateIntegration(apiId, integrationId, req);
  }

  @Delete('integrations/:integrationId')
  @HttpCode(204)
  async deleteIntegration(
    @Param('apiId') apiId: string,
    @Param('integrationId') integrationId: string,
  ): Promise<void> {
    await this.routes.deleteIntegration(apiId, integrationId);
  }

  @Post('routes')
  @HttpCode(201)
  createRoute(@Param('apiId') apiId: string, @Body() body: unknown) {
    return this.routes.createRoute(apiId, jsonBody<CreateRouteBody>(body, createRouteSchema));
  }

  @Get('routes')
  getRoutes(@Param('apiId') apiId: string, @Query() query: QueryParams) {
    return this.routes.getRoutes(apiId, v2PageQuery(query));
  }

  @Get('routes/:routeId')
  getRoute(@Param('apiId') apiId: string, @Param('routeId') routeId: string) {
    return this.routes.getRoute(apiId, routeId);
  }

  @Patch('routes/:routeId')
  updateRoute(
    @Param('apiId') apiId: string,
    @Param('routeId') routeId: string,
    @Body() body: unknown,
  ) {
    const req = jsonBody<UpdateRouteBody>(body, updateRouteSchema);
    return this.routes.updateRoute(apiId, routeId, req);
  }

  @Delete('routes/:routeId')
  @HttpCode(204)
  async deleteRoute(@Param('apiId') apiId: string, @Param('routeId') routeId: string) {
    await this.routes.deleteRoute(apiId, routeId);
  }

  @Post('routes/:routeId/routeresponses')
  @HttpCode(201)
  createRouteResponse(
    @Param('apiId') apiId: string,
    @Param('routeId') routeId: string,
    @Body() body: unknown,
  ) {
    const req = jsonBody<CreateRouteResponseBody>(body, createRouteResponseSchema);
    return this.routes.createRouteResponse(apiId, routeId, req);
  }

  @Get('routes/:routeId/routeresponses')
  getRouteResponses(
    @Param('apiId') apiId: string,
    @Param('routeId') routeId: string,
    @Query() query: QueryParams,
  ) {
    return this.routes.getRouteResponses(apiId, routeId, v2PageQuery(query));
  }

  @Get('routes/:routeId/routeresponses/:routeResponseId')
  getRouteResponse(
    @Param('apiId') apiId: string,
    @Param('routeId') routeId: string,
    @Param('routeResponseId') routeResponseId: string,
  ) {
    return this.routes.getRouteResponse(apiId, routeId, routeResponseId);
  }

  @Delete('routes/:routeId/routeresponses/:routeResponseId')
  @HttpCode(204)
  async deleteRouteResponse(
    @Param('apiId') apiId: string,
    @Param('routeId') routeId: string,
    @Param('routeResponseId') routeResponseId: string,
  ): Promise<void> {
    await this.routes.deleteRouteResponse(apiId, routeId, routeResponseId);
  }
}

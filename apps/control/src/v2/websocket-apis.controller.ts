import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { type QueryParams, queryValue } from '../common/query';
import { jsonBody } from '../common/request-body';
import {
  type CreateApiBody,
  createApiSchema,
  type CreateDeploymentBody,
  createDeploymentSchema,
  type CreateStageBody,
  createStageSchema,
  type UpdateApiBody,
  updateApiSchema,
  type UpdateStageBody,
  updateStageSchema,
} from './websocket-api.schemas';
import type { V2PageQuery } from './websocket-api.shapes';
import { WebSocketApisService } from './websocket-apis.service';

/**
 * The v2 management API for WebSocket APIs: CreateApi, GetApis, GetApi, UpdateApi, DeleteApi,
 * their stages (Create, Get, Update, Delete; DeleteRouteSettings) and deployments (Create, Get,
 * Delete).
 */
@Controller('v2/apis')
export class WebSocketApisController {
  constructor(private readonly apis: WebSocketApisService) {}

  @Post()
  @HttpCode(201)
  createApi(@Body() body: unknown) {
    return this.apis.createApi(jsonBody<CreateApiBody>(body, createApiSchema));
  }

  @Get()
  getApis(@Query() query: QueryParams) {
    return this.apis.getApis(v2PageQuery(query));
  }

  @Get(':apiId')
  getApi(@Param('apiId') apiId: string) {
    return this.apis.getApi(apiId);
  }

  @Patch(':apiId')
  updateApi(@Param('apiId') apiId: string, @Body() body: unknown) {
    return this.apis.updateApi(apiId, jsonBody<UpdateApiBody>(body, updateApiSchema));
  }

  @Delete(':apiId')
  @HttpCode(204)
  async deleteApi(@Param('apiId') apiId: string): Promise<void> {
    await this.apis.deleteApi(apiId);
  }

  @Post(':apiId/stages')
  @HttpCode(201)
  createStage(@Param('apiId') apiId: string, @Body() body: unknown) {
    return this.apis.createStage(apiId, jsonBody<CreateStageBody>(body, createStageSchema));
  }

  @Get(':apiId/stages')
  getStages(@Param('apiId') apiId: string, @Query() query: QueryParams) {
    return this.apis.getStages(apiId, v2PageQuery(query));
  }

  @Get(':apiId/stages/:stageName')
  getStage(@Param('apiId') apiId: string, @Param('stageName') stageName: string) {
    return this.apis.getStage(apiId, stageName);
  }

  @Patch(':apiId/stages/:stageName')
  updateStage(
    @Param('apiId') apiId: string,
    @Param('stageName') stageName: string,
    @Body() body: unknown,
  ) {
    const req = jsonBody<UpdateStageBody>(body, updateStageSchema);
    return this.apis.updateStage(apiId, stageName, req);
  }

  @Delete(':apiId/stages/:stageName')
  @HttpCode(204)
  async deleteStage(
    @Param('apiId') apiId: string,
    @Param('stageName') stageName: string,
  ): Promise<void> {
    await this.apis.deleteStage(apiId, stageName);
  }

  @Delete(':apiId/stages/:stageName/routesettings/:routeKey')
  @HttpCode(204)
  async deleteRouteSettings(
    @Param('apiId') apiId: string,
    @Param('stageName') stageName: string,
    @Param('routeKey') routeKey: string,
  ): Promise<void> {
    await this.apis.deleteRouteSettings(apiId, stageName, routeKey);
  }

  @Post(':apiId/deployments')
  @HttpCode(201)
  createDeployment(@Param('apiId') apiId: string, @Body() body: unknown) {
    const req = jsonBody<CreateDeploymentBody>(body, createDeploymentSchema);
    return this.apis.createDeployment(apiId, req);
  }

  @Get(':apiId/deployments')
  getDeployments(@Param('apiId') apiId: string, @Query() query: QueryParams) {
    return this.apis.getDeployments(apiId, v2PageQuery(query));
  }

  @Get(':apiId/deployments/:deploymentId')
  getDeployment(@Param('apiId') apiId: string, @Param('deploymentId') deploymentId: string) {
    return this.apis.getDeployment(apiId, deploymentId);
  }

  @Delete(':apiId/deployments/:deploymentId')
  @HttpCode(204)
  async deleteDeployment(
    @Param('apiId') apiId: string,
    @Param('deploymentId') deploymentId: string,
  ): Promise<void> {
    await this.apis.deleteDeployment(apiId, deploymentId);
  }
}

export function v2PageQuery(query: QueryParams): V2PageQuery {
  return { maxResults: queryValue(query, 'maxResults'), nextToken: queryValue(query, 'nextToken') };
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { type QueryParams, queryValue } from '../common/query';
import { jsonBody } from '../common/request-body';
import type { PatchOperation } from './stage-patch';
import { StagesService } from './stages.service';

const stringMap = { type: 'object', additionalProperties: { type: 'string' } };

const createStageSchema = {
  type: 'object',
  required: ['stageName', 'deploymentId'],
  properties: {
    stageName: { type: 'string' },
    deploymentId: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    cacheClusterEnabled: { type: 'boolean' },
    cacheClusterSize: { type: 'string' },
    variables: stringMap,
    tracingEnabled: { type: 'boolean' },
    tags: stringMap,
  },
};

interface CreateStageBody {
  stageName: string;
  deploymentId: string;
  description?: string;
  cacheClusterEnabled?: boolean;
  cacheClusterSize?: string;
  variables?: Record<string, string>;
  tracingEnabled?: boolean;
  tags?: Record<string, string>;
}

const updateStageSchema = {
  type: 'object',
  properties: {
    patchOperations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          op: { type: 'string' },
          path: { type: 'string' },
          value: { type: 'string' },
          from: { type: 'string' },
        },
      },
    },
  },
};

/** CreateStage, GetStages, GetStage, UpdateStage, DeleteStage. */
@Controller('restapis/:restApiId/stages')
export class StagesController {
  constructor(private readonly stages: StagesService) {}

  @Post()
  createStage(@Param('restApiId') restApiId: string, @Body() body: unknown) {
    const req = jsonBody<CreateStageBody>(body, createStageSchema);
    return this.stages.createStage({ ...req, restApiId });
  }

  @Get()
  getStages(@Param('restApiId') restApiId: string, @Query() query: QueryParams) {
    return this.stages.getStages(restApiId, queryValue(query, 'deploymentId'));
  }

  @Get(':stageName')
  getStage(@Param('restApiId') restApiId: string, @Param('stageName') stageName: string) {
    return this.stages.getStage(restApiId, stageName);
  }

  @Patch(':stageName')
  updateStage(
    @Param('restApiId') restApiId: string,
    @Param('stageName') stageName: string,
    @Body() body: unknown,
  ) {
    const req = jsonBody<{ patchOperations?: PatchOperation[] }>(body, updateStageSchema);
    return this.stages.updateStage(restApiId, stageName, req.patchOperations ?? []);
  }

  @Delete(':stageName')
  @HttpCode(202)
  async deleteStage(@Param('restApiId') restApiId: string, @Param('stageName') stageName: string) {
    await this.stages.deleteStage(restApiId, stageName);
  }
}

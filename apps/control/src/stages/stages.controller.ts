import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { patchOperationsOf } from '../common/patch-operations';
import { type QueryParams, queryValue } from '../common/query';
import { jsonBody } from '../common/request-body';
import type { NewStage } from './stage.factory';
import { createStageSchema } from './stage.schemas';
import { StagesService } from './stages.service';

/** CreateStage, GetStages, GetStage, UpdateStage, DeleteStage. */
@Controller('restapis/:restApiId/stages')
export class StagesController {
  constructor(private readonly stages: StagesService) {}

  @Post()
  createStage(@Param('restApiId') restApiId: string, @Body() body: unknown) {
    const req = jsonBody<Omit<NewStage, 'restApiId'>>(body, createStageSchema);
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
    return this.stages.updateStage(restApiId, stageName, patchOperationsOf(body));
  }

  @Delete(':stageName')
  @HttpCode(202)
  async deleteStage(@Param('restApiId') restApiId: string, @Param('stageName') stageName: string) {
    await this.stages.deleteStage(restApiId, stageName);
  }
}

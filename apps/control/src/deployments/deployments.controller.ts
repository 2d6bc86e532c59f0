import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { pageQuery, queryList, type QueryParams } from '../common/query';
import { jsonBody } from '../common/request-body';
import { createDeploymentSchema } from '../stages/stage.schemas';
import { type CreateDeploymentRequest, DeploymentsService } from './deployments.service';

/** CreateDeployment, GetDeployments, GetDeployment. */
@Controller('restapis/:restApiId/deployments')
export class DeploymentsController {
  constructor(private readonly deployments: DeploymentsService) {}

  @Post()
  createDeployment(@Param('restApiId') restApiId: string, @Body() body: unknown) {
    const req = jsonBody<Omit<CreateDeploymentRequest, 'restApiId'>>(body, createDeploymentSchema);
    return this.deployments.createDeployment({ ...req, restApiId });
  }

  @Get()
  getDeployments(@Param('restApiId') restApiId: string, @Query() query: QueryParams) {
    return this.deployments.getDeployments(restApiId, pageQuery(query));
  }

  @Get(':deploymentId')
  getDeployment(
    @Param('restApiId') restApiId: string,
    @Param('deploymentId') deploymentId: string,
    @Query() query: QueryParams,
  ) {
    const withApiSummary = queryList(query, 'embed').includes('apisummary');
    return this.deployments.getDeployment(restApiId, deploymentId, withApiSummary);
  }
}

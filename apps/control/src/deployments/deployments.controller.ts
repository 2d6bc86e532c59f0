import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { pageQuery, type QueryParams } from '../common/query';
import { jsonBody } from '../common/request-body';
import { type CreateDeploymentRequest, DeploymentsService } from './deployments.service';

const createDeploymentSchema = {
  type: 'object',
  properties: {
    stageName: { type: 'string' },
    stageDescription: { type: 'string' },
    description: { type: 'string' },
    cacheClusterEnabled: { type: 'boolean' },
    cacheClusterSize: { type: 'string' },
    variables: { type: 'object', additionalProperties: { type: 'string' } },
    tracingEnabled: { type: 'boolean' },
  },
};

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
  ) {
    return this.deployments.getDeployment(restApiId, deploymentId);
  }
}

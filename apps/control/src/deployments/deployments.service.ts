import { Injectable, Logger } from '@nestjs/common';
import { DefinitionStore, type Deployment, generateId, type Stage } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import { Clock } from '../common/clock';
import { apiScope } from '../common/locking';
import { requireDeployment, requireRestApi } from '../common/lookups';
import { type Page, paginate } from '../common/pagination';
import { ControlEvents } from '../events/control-events.service';
import { hasMethods } from '../restapis/rest-api.factory';
import { checkStageSettings, newStage } from '../stages/stage.factory';
import { deploymentShape } from './deployment.shapes';

export interface CreateDeploymentRequest {
  restApiId: string;
  stageName?: string;
  stageDescription?: string;
  description?: string;
  variables?: Record<string, string>;
  cacheClusterEnabled?: boolean;
  cacheClusterSize?: string;
  tracingEnabled?: boolean;
}

type Shape = Record<string, unknown>;

@Injectable()
export class DeploymentsService {
  private readonly logger = new Logger(DeploymentsService.name);

  constructor(
    private readonly store: DefinitionStore,
    private readonly clock: Clock,
    private readonly events: ControlEvents,
  ) {}

  /**
   * CreateDeployment: snapshots the API's current definition. With a stage name the stage is
   * created or repointed in the same transaction as the deployment, so no edge ever sees a
   * stage pointing at a deployment that is not there.
   */
  async createDeployment(req: CreateDeploymentRequest): Promise<Shape> {
    checkStageSettings(req);
    // Under the API's lock: a DeleteRestApi cannot land between the check and the write.
    const { deployment, stages } = await this.store.withLock(apiScope(req.restApiId), () =>
      this.writeDeployment(req),
    );
    this.logger.log(
      { restApiId: req.restApiId, deploymentId: deployment.id, stageName: req.stageName },
      'deployment created',
    );
    await this.events.publish({
      stages: stages.map((s) => ({
        restApiId: req.restApiId,
        stageName: s.stageName,
        change: 'updated',
      })),
      domains: [],
    });
    return deploymentShape(deployment);
  }

  private async writeDeployment(
    req: CreateDeploymentRequest,
  ): Promise<{ deployment: Deployment; stages: Stage[] }> {
    const api = await requireRestApi(this.store, req.restApiId);
    if (!hasMethods(api.definition)) {
      throw new AwsBadRequestException("The REST API doesn't contain any methods");
    }
    const now = this.clock.nowSeconds();
    const deployment: Deployment = {
      id: await this.unusedId(api.id),
      restApiId: api.id,
      description: req.description,
      createdDate: now,
      definition: api.definition,
    };
    const stages: Stage[] = [];
    if (req.stageName !== undefined) {
      const existing = await this.store.getStage(api.id, req.stageName);
      stages.push(
        existing
          ? {
              ...existing,
              deploymentId: deployment.id,
              variables: { ...existing.variables, ...req.variables },
              cacheClusterEnabled: req.cacheClusterEnabled ?? existing.cacheClusterEnabled,
              cacheClusterSize: req.cacheClusterSize ?? existing.cacheClusterSize,
              tracingEnabled: req.tracingEnabled ?? existing.tracingEnabled,
              lastUpdatedDate: now,
            }
          : newStage(
              {
                restApiId: api.id,
                stageName: req.stageName,
                deploymentId: deployment.id,
                description: req.stageDescription,
                variables: req.variables,
                cacheClusterEnabled: req.cacheClusterEnabled,
                cacheClusterSize: req.cacheClusterSize,
                tracingEnabled: req.tracingEnabled,
              },
              now,
            ),
      );
    }
    await this.store.putDeployment(deployment, stages);
    return { deployment, stages };
  }

  async getDeployments(
    restApiId: string,
    query: { limit?: string; position?: string },
  ): Promise<Page<Shape>> {
    await requireRestApi(this.store, restApiId);
    const page = paginate(await this.store.listDeployments(restApiId), query);
    return { ...page, item: page.item.map((d) => deploymentShape(d)) };
  }

  async getDeployment(
    restApiId: string,
    deploymentId: string,
    withApiSummary: boolean,
  ): Promise<Shape> {
    await requireRestApi(this.store, restApiId);
    const deployment = await requireDeployment(this.store, restApiId, deploymentId);
    return deploymentShape(deployment, withApiSummary);
  }

  private async unusedId(restApiId: string): Promise<string> {
    for (;;) {
      const id = generateId(6);
      if (!(await this.store.getDeployment(restApiId, id))) return id;
    }
  }
}

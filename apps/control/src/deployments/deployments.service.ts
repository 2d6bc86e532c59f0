import { Injectable, Logger } from '@nestjs/common';
import {
  DefinitionStore,
  type Deployment,
  generateId,
  type ProtocolType,
  type RestApi,
  type Stage,
} from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import { Clock } from '../common/clock';
import { apiScope } from '../common/locking';
import { requireApi, requireDeployment, requireRestApi } from '../common/lookups';
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
    const { deployment } = await this.deploy(req, 'REST');
    return deploymentShape(deployment);
  }

  /** CreateDeployment of either kind of API (v1 for REST, v2 for WebSocket), announced. */
  async deploy(
    req: CreateDeploymentRequest,
    protocol: ProtocolType,
  ): Promise<{ deployment: Deployment; stages: Stage[] }> {
    checkStageSettings(req);
    // Under the API's lock: a DeleteRestApi cannot land between the check and the write.
    const written = await this.store.withLock(apiScope(req.restApiId), () =>
      this.writeDeployment(req, protocol),
    );
    this.logger.log(
      {
        restApiId: req.restApiId,
        deploymentId: written.deployment.id,
        stageName: req.stageName,
        protocol,
      },
      'deployment created',
    );
    await this.events.publish({
      stages: written.stages.map((s) => ({
        restApiId: req.restApiId,
        stageName: s.stageName,
        change: 'updated',
      })),
      domains: [],
    });
    return written;
  }

  private async writeDeployment(
    req: CreateDeploymentRequest,
    protocol: ProtocolType,
  ): Promise<{ deployment: Deployment; stages: Stage[] }> {
    const api = await requireApi(this.store, req.restApiId, protocol);
    checkDeployable(api);
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

  /**
   * DeleteDeployment: refused, as AWS refuses it, while a stage points at the deployment. Under
   * the API's lock, so no stage can be pointed at it between the check and the delete. Nothing
   * served changes (no stage serves it), so there is nothing to announce; edges that resync see
   * the store's revision move and find every stage as it was.
   */
  async deleteDeployment(
    restApiId: string,
    deploymentId: string,
    protocol: ProtocolType,
  ): Promise<void> {
    await this.store.withLock(apiScope(restApiId), async () => {
      await requireApi(this.store, restApiId, protocol);
      await requireDeployment(this.store, restApiId, deploymentId);
      const stages = await this.store.listStages(restApiId);
      const users = stages.filter((s) => s.deploymentId === deploymentId);
      if (users.length > 0) {
        this.logger.debug(
          { restApiId, deploymentId, stages: users.map((s) => s.stageName) },
          'deployment in use; not deleted',
        );
        throw new AwsBadRequestException(
          'Active stages pointing to this deployment must be moved or deleted',
        );
      }
      await this.store.deleteDeployment(restApiId, deploymentId);
    });
    this.logger.log({ restApiId, deploymentId }, 'deployment deleted');
  }

  /** An id no deployment of the API has (v2's CreateDeployment shares the REST id scheme). */
  private async unusedId(restApiId: string): Promise<string> {
    for (;;) {
      const id = generateId(6);
      if (!(await this.store.getDeployment(restApiId, id))) return id;
    }
  }
}

/** AWS refuses to deploy what would serve nothing: a REST API without methods, a WebSocket API without routes. */
function checkDeployable(api: RestApi): void {
  const ws = api.definition.webSocket;
  if (ws) {
    if (Object.keys(ws.routes).length === 0) {
      throw new AwsBadRequestException('At least one route is required before deploying the Api.');
    }
  } else if (!hasMethods(api.definition)) {
    throw new AwsBadRequestException("The REST API doesn't contain any methods");
  }
}

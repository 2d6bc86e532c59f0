import { Injectable, Logger } from '@nestjs/common';
import { DefinitionStore, type ProtocolType, type Stage } from '@portico/definitions';
import { AwsConflictException } from '../common/aws-errors';
import { Clock } from '../common/clock';
import { apiScope, commitRemovingMappings } from '../common/locking';
import { requireApi, requireDeployment, requireRestApi, requireStage } from '../common/lookups';
import { ControlEvents } from '../events/control-events.service';
import { applyStagePatch, type PatchOperation } from './stage-patch';
import { checkStageSettings, type NewStage, newStage } from './stage.factory';
import { stageShape } from './stage.shapes';

type Shape = Record<string, unknown>;

@Injectable()
export class StagesService {
  private readonly logger = new Logger(StagesService.name);

  constructor(
    private readonly store: DefinitionStore,
    private readonly clock: Clock,
    private readonly events: ControlEvents,
  ) {}

  async createStage(req: NewStage): Promise<Shape> {
    return stageShape(await this.create(req, 'REST'));
  }

  /** CreateStage of either kind of API (v1 for REST, v2 for WebSocket), announced. */
  async create(req: NewStage, protocol: ProtocolType): Promise<Stage> {
    checkStageSettings(req);
    // Under the API's lock, so of two creates of one name exactly one passes the check.
    const stage = await this.store.withLock(apiScope(req.restApiId), async () => {
      await requireApi(this.store, req.restApiId, protocol);
      if (req.deploymentId !== undefined) {
        await requireDeployment(this.store, req.restApiId, req.deploymentId);
      }
      if (await this.store.getStage(req.restApiId, req.stageName)) {
        throw new AwsConflictException(`Stage already exists: ${req.restApiId}/${req.stageName}`);
      }
      const created = newStage(req, this.clock.nowSeconds());
      await this.store.putStage(created);
      return created;
    });
    this.logger.log(
      { restApiId: stage.restApiId, stageName: stage.stageName, deploymentId: stage.deploymentId },
      'stage created',
    );
    await this.events.publish({
      stages: [{ restApiId: stage.restApiId, stageName: stage.stageName, change: 'updated' }],
      domains: [],
    });
    return stage;
  }

  async getStage(restApiId: string, stageName: string): Promise<Shape> {
    await requireRestApi(this.store, restApiId);
    return stageShape(await requireStage(this.store, restApiId, stageName));
  }

  async getStages(restApiId: string, deploymentId?: string): Promise<{ item: Shape[] }> {
    await requireRestApi(this.store, restApiId);
    const stages = await this.store.listStages(restApiId);
    return {
      item: stages
        .filter((s) => deploymentId === undefined || s.deploymentId === deploymentId)
        .map(stageShape),
    };
  }

  /** UpdateStage: all operations are checked before the stage is written. */
  async updateStage(restApiId: string, stageName: string, ops: PatchOperation[]): Promise<Shape> {
    const next = await this.update(restApiId, stageName, 'REST', (s) => applyStagePatch(s, ops));
    return stageShape(next);
  }

  /**
   * UpdateStage of either kind of API (v1 patch operations, v2 members), announced: `change`
   * returns the new stage or throws; a deployment it points the stage at must exist.
   */
  async update(
    restApiId: string,
    stageName: string,
    protocol: ProtocolType,
    change: (current: Stage) => Stage,
  ): Promise<Stage> {
    const next = await this.store.withLock(apiScope(restApiId), async () => {
      await requireApi(this.store, restApiId, protocol);
      const current = await requireStage(this.store, restApiId, stageName);
      const changed = change(current);
      if (changed.deploymentId !== undefined && changed.deploymentId !== current.deploymentId) {
        await requireDeployment(this.store, restApiId, changed.deploymentId);
      }
      const written = { ...changed, lastUpdatedDate: this.clock.nowSeconds() };
      await this.store.putStage(written);
      return written;
    });
    this.logger.log({ restApiId, stageName, deploymentId: next.deploymentId }, 'stage updated');
    await this.events.publish({
      stages: [{ restApiId, stageName, change: 'updated' }],
      domains: [],
    });
    return next;
  }

  /** DeleteStage: base path mappings to the stage go with it, in the same transaction. */
  async deleteStage(
    restApiId: string,
    stageName: string,
    protocol: ProtocolType = 'REST',
  ): Promise<void> {
    const domains = await this.store.withLock(apiScope(restApiId), async () => {
      await requireApi(this.store, restApiId, protocol);
      await requireStage(this.store, restApiId, stageName);
      return commitRemovingMappings(
        this.store,
        { deletedStages: [{ restApiId, stageName }] },
        restApiId,
        stageName,
      );
    });
    this.logger.log({ restApiId, stageName, domains: domains.length }, 'stage deleted');
    await this.events.publish({
      stages: [{ restApiId, stageName, change: 'deleted' }],
      domains: domains.map((d) => ({ domainName: d.domainName, change: 'updated' })),
    });
  }
}

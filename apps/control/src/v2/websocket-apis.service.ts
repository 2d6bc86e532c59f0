import { Inject, Injectable, Logger } from '@nestjs/common';
import { DefinitionStore, generateId } from '@portico/definitions';
import { AwsBadRequestException, AwsConflictException } from '../common/aws-errors';
import { Clock } from '../common/clock';
import { apiScope } from '../common/locking';
import { protocolOf, requireApi, requireDeployment, requireStage } from '../common/lookups';
import { paginate } from '../common/pagination';
import { CONTROL_CONFIG } from '../common/tokens';
import type { ControlConfig } from '../config';
import { DeploymentsService } from '../deployments/deployments.service';
import { RestApisService } from '../restapis/restapis.service';
import { checkStageSettings } from '../stages/stage.factory';
import { StagesService } from '../stages/stages.service';
import {
  checkRouteSelectionExpression,
  mergeMap,
  newWebSocketApi,
  webSocketOf,
  withWebSocket,
} from './websocket-api.factory';
import type {
  CreateApiBody,
  CreateDeploymentBody,
  CreateStageBody,
  UpdateApiBody,
  UpdateStageBody,
} from './websocket-api.schemas';
import {
  apiShape,
  deploymentShape,
  pageOf,
  stageShape,
  v2Page,
  type V2PageQuery,
} from './websocket-api.shapes';
import { readWebSocket } from './websocket-definitions';
import {
  checkRouteKeys,
  withoutRouteSettings,
  withRouteSettings,
} from './websocket-route-settings';

type Shape = Record<string, unknown>;
type Items = { items: Shape[]; nextToken?: string };

const WEBSOCKET = 'WEBSOCKET';

/**
 * The v2 management API's APIs, stages and deployments for WebSocket APIs. Stages and
 * deployments are the REST ones (the same services write them and announce the change).
 */
@Injectable()
export class WebSocketApisService {
  private readonly logger = new Logger(WebSocketApisService.name);

  constructor(
    private readonly store: DefinitionStore,
    private readonly clock: Clock,
    private readonly restApis: RestApisService,
    private readonly stages: StagesService,
    private readonly deployments: DeploymentsService,
    @Inject(CONTROL_CONFIG) private readonly config: ControlConfig,
  ) {}

  async createApi(req: CreateApiBody): Promise<Shape> {
    if (req.protocolType.toUpperCase() !== WEBSOCKET) {
      throw new AwsBadRequestException(
        `Unsupported protocolType: ${req.protocolType} (Portico offers WebSocket APIs on the v2 API; HTTP APIs are not supported)`,
      );
    }
    const expr = req.routeSelectionExpression;
    if (expr === undefined) {
      throw new AwsBadRequestException('routeSelectionExpression is required for WebSocket APIs');
    }
    checkRouteSelectionExpression(expr);
    const id = await this.unusedId();
    const api = await this.store.withLock(apiScope(id), async () => {
      // Checked again under the lock: another writer may have taken this random id meanwhile.
      if (await this.store.getRestApi(id)) throw new AwsConflictException(`API id taken: ${id}`);
      const fresh = newWebSocketApi({
        id,
        name: req.name,
        description: req.description,
        version: req.version,
        routeSelectionExpression: expr,
        createdDate: this.clock.nowSeconds(),
        tags: req.tags,
        disableExecuteApiEndpoint: req.disableExecuteApiEndpoint,
      });
      await this.store.putRestApi(fresh);
      return fresh;
    });
    this.logger.log({ apiId: api.id, name: api.name }, 'WebSocket API created');
    return apiShape(api, this.config.domain);
  }

  async getApis(query: V2PageQuery): Promise<Items> {
    const apis = (await this.store.listRestApis()).filter((a) => protocolOf(a) === WEBSOCKET);
    const page = paginate(apis, pageOf(query));
    return v2Page({ ...page, item: page.item.map((a) => apiShape(a, this.config.domain)) });
  }

  async getApi(apiId: string): Promise<Shape> {
    return apiShape(await requireApi(this.store, apiId, WEBSOCKET), this.config.domain);
  }

  /** UpdateApi: name, description and route selection expression; live at the next deployment. */
  async updateApi(apiId: string, req: UpdateApiBody): Promise<Shape> {
    if (req.routeSelectionExpression !== undefined) {
      checkRouteSelectionExpression(req.routeSelectionExpression);
    }
    const api = await this.store.withLock(apiScope(apiId), async () => {
      const current = await requireApi(this.store, apiId, WEBSOCKET);
      const ws = webSocketOf(current);
      const next = withWebSocket(
        current,
        {
          ...ws,
          routeSelectionExpression: req.routeSelectionExpression ?? ws.routeSelectionExpression,
        },
        {
          name: req.name,
          ...(req.description !== undefined ? { description: req.description } : {}),
        },
      );
      await this.store.putRestApi(next);
      return next;
    });
    this.logger.log({ apiId }, 'WebSocket API updated');
    return apiShape(api, this.config.domain);
  }

  deleteApi(apiId: string): Promise<void> {
    return this.restApis.deleteRestApi(apiId, WEBSOCKET);
  }

  /**
   * CreateStage: without a deployment the stage exists but serves nothing (an edge answers a
   * handshake to it as to a stage that does not exist) until UpdateStage or CreateDeployment
   * with its name points it at one.
   */
  async createStage(apiId: string, req: CreateStageBody): Promise<Shape> {
    if (req.routeSettings !== undefined) {
      checkRouteKeys(await readWebSocket(this.store, apiId), req.routeSettings);
    }
    const created = await this.stages.create(
      {
        restApiId: apiId,
        stageName: req.stageName,
        deploymentId: req.deploymentId,
        description: req.description,
        variables: req.stageVariables,
        tags: req.tags,
        defaultRouteSettings: req.defaultRouteSettings,
        routeSettings: req.routeSettings,
      },
      WEBSOCKET,
    );
    return stageShape(created);
  }

  async getStages(apiId: string, query: V2PageQuery): Promise<Items> {
    await requireApi(this.store, apiId, WEBSOCKET);
    const page = paginate(await this.store.listStages(apiId), pageOf(query));
    return v2Page({ ...page, item: page.item.map(stageShape) });
  }

  async getStage(apiId: string, stageName: string): Promise<Shape> {
    await requireApi(this.store, apiId, WEBSOCKET);
    return stageShape(await requireStage(this.store, apiId, stageName));
  }

  /**
   * UpdateStage: the members given replace the stored ones; a variable set to "" is removed;
   * route settings merge member by member (`withRouteSettings`).
   */
  async updateStage(apiId: string, stageName: string, req: UpdateStageBody): Promise<Shape> {
    checkStageSettings({ variables: req.stageVariables });
    if (req.routeSettings !== undefined) {
      checkRouteKeys(await readWebSocket(this.store, apiId), req.routeSettings);
    }
    const stage = await this.stages.update(apiId, stageName, WEBSOCKET, (current) =>
      withRouteSettings(
        {
          ...current,
          deploymentId: req.deploymentId ?? current.deploymentId,
          description: req.description ?? current.description,
          variables: mergeMap(current.variables, req.stageVariables ?? {}),
        },
        req,
      ),
    );
    return stageShape(stage);
  }

  /** DeleteRouteSettings: the route key's settings go; the route then falls under the default. */
  async deleteRouteSettings(apiId: string, stageName: string, routeKey: string): Promise<void> {
    await this.stages.update(apiId, stageName, WEBSOCKET, (current) =>
      withoutRouteSettings(current, routeKey),
    );
  }

  deleteStage(apiId: string, stageName: string): Promise<void> {
    return this.stages.deleteStage(apiId, stageName, WEBSOCKET);
  }

  async createDeployment(apiId: string, req: CreateDeploymentBody): Promise<Shape> {
    const { deployment } = await this.deployments.deploy(
      { restApiId: apiId, description: req.description, stageName: req.stageName },
      WEBSOCKET,
    );
    return deploymentShape(deployment);
  }

  async getDeployments(apiId: string, query: V2PageQuery): Promise<Items> {
    await requireApi(this.store, apiId, WEBSOCKET);
    const page = paginate(await this.store.listDeployments(apiId), pageOf(query));
    return v2Page({ ...page, item: page.item.map(deploymentShape) });
  }

  async getDeployment(apiId: string, deploymentId: string): Promise<Shape> {
    await requireApi(this.store, apiId, WEBSOCKET);
    return deploymentShape(await requireDeployment(this.store, apiId, deploymentId));
  }

  deleteDeployment(apiId: string, deploymentId: string): Promise<void> {
    return this.deployments.deleteDeployment(apiId, deploymentId, WEBSOCKET);
  }

  private async unusedId(): Promise<string> {
    for (;;) {
      const id = generateId();
      if (!(await this.store.getRestApi(id))) return id;
    }
  }
}

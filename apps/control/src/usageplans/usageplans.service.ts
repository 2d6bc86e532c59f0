import { Injectable, Logger } from '@nestjs/common';
import { AUTH_APIKEY_GET, type ApiKeyView } from '@portico/contracts';
import {
  apiStageKey,
  DefinitionStore,
  generateId,
  type UsagePlan,
  type UsagePlanApiStage,
  UsagePlanStore,
} from '@portico/definitions';
import { AuthClient } from '../apikeys/auth-client';
import {
  AwsBadRequestException,
  AwsConflictException,
  AwsException,
  AwsNotFoundException,
} from '../common/aws-errors';
import { requireStage } from '../common/lookups';
import { type Page, paginate } from '../common/pagination';
import type { PatchOperation } from '../common/patch-operations';
import { refuseReservedTags } from '../common/reserved-tags';
import { ControlEvents } from '../events/control-events.service';
import { applyUsagePlanPatch } from './usage-plan-patch';
import { checkUsagePlan, planShape, quotaRestarted, type UsagePlanShape } from './usage-plan.rules';
import type { CreateUsagePlanKeyBody } from './usage-plan.schemas';

/** An API key as a member of a plan, as AWS returns it. */
export interface UsagePlanKeyShape {
  id: string;
  type: 'API_KEY';
  value?: string;
  name?: string;
}

/** Lock scopes: a plan (its record and key set), and an API key's memberships of plans. */
const planScope = (id: string) => `usageplan:${id}`;
const keyScope = (keyId: string) => `apikey-plans:${keyId}`;

/**
 * AWS's usage plan operations. Plans live in Redis beside the definitions (UsagePlanStore), the
 * keys themselves in the auth service. Each write changes the definitions' revision, which edges
 * watch, and is announced with CONTROL_USAGEPLAN_CHANGED once stored.
 */
@Injectable()
export class UsagePlansService {
  private readonly logger = new Logger(UsagePlansService.name);

  constructor(
    private readonly definitions: DefinitionStore,
    private readonly plans: UsagePlanStore,
    private readonly auth: AuthClient,
    private readonly events: ControlEvents,
  ) {}

  async create(
    body: Omit<UsagePlan, 'id' | 'apiStages' | 'tags'> & Partial<UsagePlan>,
  ): Promise<UsagePlanShape> {
    refuseReservedTags(body.tags);
    const plan: UsagePlan = {
      id: generateId(),
      name: body.name,
      ...(body.description === undefined ? {} : { description: body.description }),
      apiStages: body.apiStages ?? [],
      ...(body.throttle === undefined ? {} : { throttle: body.throttle }),
      ...(body.quota === undefined ? {} : { quota: body.quota, quotaStartedAt: Date.now() }),
      ...(body.productCode === undefined ? {} : { productCode: body.productCode }),
      tags: body.tags ?? {},
    };
    checkUsagePlan(plan);
    await this.requireStages(plan.apiStages);
    await this.plans.put(plan);
    this.logger.log(
      { usagePlanId: plan.id, apiStages: plan.apiStages.length },
      'usage plan created',
    );
    await this.changed(plan.id, 'updated');
    return planShape(plan);
  }

  async get(id: string): Promise<UsagePlanShape> {
    return planShape(await this.stored(id));
  }

  /** The plan as stored (with what AWS's shape leaves out); NotFoundException when absent. */
  async stored(id: string): Promise<UsagePlan> {
    const plan = await this.plans.get(id);
    if (!plan) throw new AwsNotFoundException(`Invalid Usage Plan ID specified: ${id}`);
    return plan;
  }

  async list(query: {
    keyId?: string;
    limit?: string;
    position?: string;
  }): Promise<Page<UsagePlanShape>> {
    const plans =
      query.keyId === undefined || query.keyId === ''
        ? await this.plans.list()
        : await this.plans.plansOfKey(query.keyId);
    return paginate(plans.map(planShape), query);
  }

  async update(id: string, ops: PatchOperation[]): Promise<UsagePlanShape> {
    const plan = await this.definitions.withLock(planScope(id), async () => {
      const current = await this.stored(id);
      const { plan: next, addedStages } = applyUsagePlanPatch(current, ops);
      checkUsagePlan(next);
      await this.requireStages(addedStages);
      // A key of this plan may not be in another plan of a stage it now covers too.
      if (addedStages.length > 0) {
        for (const keyId of await this.plans.keyIds(id)) {
          await this.refuseSharedStages(keyId, id, addedStages);
        }
      }
      if (!next.quota) delete next.quotaStartedAt;
      else if (quotaRestarted(current, next)) next.quotaStartedAt = Date.now();
      await this.plans.put(next);
      return next;
    });
    this.logger.log({ usagePlanId: id, operations: ops.length }, 'usage plan updated');
    await this.changed(id, 'updated');
    return planShape(plan);
  }

  /** DeleteUsagePlan: the plan goes with its keys' memberships (the keys themselves stay). */
  async delete(id: string): Promise<void> {
    await this.definitions.withLock(planScope(id), async () => {
      await this.stored(id);
      await this.plans.delete(id);
    });
    this.logger.log({ usagePlanId: id }, 'usage plan deleted');
    await this.changed(id, 'deleted');
  }

  /**
   * CreateUsagePlanKey: the key must exist in the auth service, not be in the plan yet, and not
   * be in another plan that covers one of this plan's API stages (AWS's ConflictException).
   */
  async createKey(usagePlanId: string, body: CreateUsagePlanKeyBody): Promise<UsagePlanKeyShape> {
    if (body.keyType !== 'API_KEY') {
      throw new AwsBadRequestException(`Invalid key type: ${body.keyType} (expected API_KEY)`);
    }
    const { keyId } = body;
    const key = await this.apiKey(keyId);
    await this.definitions.withLock([planScope(usagePlanId), keyScope(keyId)], async () => {
      const plan = await this.stored(usagePlanId);
      if (await this.plans.hasKey(usagePlanId, keyId)) {
        throw new AwsConflictException(
          `Usage Plan ${usagePlanId} cannot be added because API Key ${keyId} already exists in it`,
        );
      }
      await this.refuseSharedStages(keyId, usagePlanId, plan.apiStages);
      await this.plans.addKey({ usagePlanId, keyId, type: 'API_KEY' });
    });
    this.logger.log({ usagePlanId, keyId }, 'usage plan key created');
    await this.changed(usagePlanId, 'updated');
    return keyShape(key);
  }

  /**
   * AWS's one plan per key and API stage: ConflictException when the key is in a plan other than
   * `usagePlanId` that covers one of `stages`.
   */
  private async refuseSharedStages(
    keyId: string,
    usagePlanId: string,
    stages: UsagePlanApiStage[],
  ): Promise<void> {
    const wanted = new Set(stages.map(apiStageKey));
    for (const other of await this.plans.plansOfKey(keyId)) {
      if (other.id === usagePlanId) continue;
      const shared = other.apiStages.map(apiStageKey).find((s) => wanted.has(s));
      if (shared !== undefined) {
        throw new AwsConflictException(
          `API Key ${keyId} is already in usage plan ${other.id}, which also covers API stage ${shared}`,
        );
      }
    }
  }

  async getKey(usagePlanId: string, keyId: string): Promise<UsagePlanKeyShape> {
    await this.requireKeyInPlan(usagePlanId, keyId);
    return keyShape(await this.apiKey(keyId));
  }

  /** GetUsagePlanKeys: by key id, filtered by name prefix (`name`), a page at a time. */
  async listKeys(
    usagePlanId: string,
    query: { nameQuery?: string; limit?: string; position?: string },
  ): Promise<Page<UsagePlanKeyShape>> {
    await this.stored(usagePlanId);
    const keys = await Promise.all(
      (await this.plans.keyIds(usagePlanId)).map((id) => this.apiKey(id).catch(missingAsUndefined)),
    );
    const prefix = query.nameQuery ?? '';
    return paginate(
      keys
        .filter((k): k is ApiKeyView => k !== undefined && k.name.startsWith(prefix))
        .map(keyShape),
      query,
    );
  }

  async deleteKey(usagePlanId: string, keyId: string): Promise<void> {
    await this.definitions.withLock([planScope(usagePlanId), keyScope(keyId)], async () => {
      await this.requireKeyInPlan(usagePlanId, keyId);
      await this.plans.removeKey(usagePlanId, keyId);
    });
    this.logger.log({ usagePlanId, keyId }, 'usage plan key deleted');
    await this.changed(usagePlanId, 'updated');
  }

  /** The plan as stored, when `keyId` is one of its keys; NotFoundException otherwise. */
  async requireKeyInPlan(usagePlanId: string, keyId: string): Promise<UsagePlan> {
    const plan = await this.stored(usagePlanId);
    if (!(await this.plans.hasKey(usagePlanId, keyId))) {
      throw new AwsNotFoundException(`Invalid Usage Plan Key ID specified: ${keyId}`);
    }
    return plan;
  }

  /** The ids of a plan's keys, sorted. */
  keyIds(usagePlanId: string): Promise<string[]> {
    return this.plans.keyIds(usagePlanId);
  }

  private changed(usagePlanId: string, change: 'updated' | 'deleted'): Promise<void> {
    return this.events.publish({ stages: [], domains: [], usagePlans: [{ usagePlanId, change }] });
  }

  private async apiKey(id: string): Promise<ApiKeyView> {
    const reply = await this.auth.call<{ apiKey: ApiKeyView }>(AUTH_APIKEY_GET, {
      id,
      includeValue: true,
    });
    return reply.apiKey;
  }

  /**
   * Every API stage names an API and a stage of it that exist (NotFoundException). REST or
   * WebSocket: API Gateway ties API keys to WebSocket APIs through usage plans too.
   */
  private async requireStages(stages: UsagePlanApiStage[]): Promise<void> {
    for (const { apiId, stage } of stages) {
      if (!(await this.definitions.getRestApi(apiId))) {
        throw new AwsNotFoundException(`Invalid API identifier specified: ${apiId}`);
      }
      await requireStage(this.definitions, apiId, stage);
    }
  }
}

function keyShape(key: ApiKeyView): UsagePlanKeyShape {
  return {
    id: key.id,
    type: 'API_KEY',
    ...(key.value === undefined ? {} : { value: key.value }),
    name: key.name,
  };
}

/** A key deleted from the auth service is left out of its plans' listings. */
function missingAsUndefined(err: unknown): undefined {
  if (err instanceof AwsException && err.type === 'NotFoundException') return undefined;
  throw err;
}

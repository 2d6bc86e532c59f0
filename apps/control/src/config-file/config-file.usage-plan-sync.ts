import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { generateId, type UsagePlan, UsagePlanStore } from '@portico/definitions';
import { ApiKeysService } from '../apikeys/apikeys.service';
import { UsagePlansService } from '../usageplans/usageplans.service';
import { ConfigFileAuthSync, type SyncPlan } from './config-file.auth-sync';
import { usagePlanPatch } from './config-file.usage-plan-patch';
import type { DesiredUsagePlan } from './config-file.usage-plans';
import { isFileManaged, MANAGED_BY_CONFIG_FILE, MANAGED_BY_TAG } from './config-file.planner';

/** A plan the file owns, with the ids of the keys in it. */
export interface OwnedUsagePlan extends UsagePlan {
  keyIds: string[];
}

export type UsagePlanPlan = SyncPlan<DesiredUsagePlan, OwnedUsagePlan>;

/** Every item of a paged list, a page of the largest size at a time. */
async function allPages<T>(
  page: (query: { limit: string; position?: string }) => Promise<{ item: T[]; position?: string }>,
): Promise<T[]> {
  const all: T[] = [];
  let position: string | undefined;
  do {
    const next = await page({ limit: '500', position });
    all.push(...next.item);
    position = next.position;
  } while (position);
  return all;
}

/**
 * The file's usage plans, matched by name among the plans the file owns (a plan of the same
 * name made through the management API is neither claimed nor touched). Plans change through
 * UsagePlansService's UpdateUsagePlan and plan-key operations, so the file meets the same
 * checks as the management API. Keys are looked up in the auth service, which is why this
 * reconciles like the auth records: after the file's API keys, again later when it failed.
 *
 * A key moving between two plans that cover one API stage can be refused (ConflictException)
 * while the other plan still holds it; the retry a failed step causes completes the move.
 */
@Injectable()
export class ConfigFileUsagePlanSync extends ConfigFileAuthSync<DesiredUsagePlan, OwnedUsagePlan> {
  protected readonly kind = 'usage plan';
  protected readonly labelField = 'usagePlanName';
  /** The file's API keys by name, as `current()` last found them (names are unique in the file). */
  private fileKeys = new Map<string, string>();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly keys: ApiKeysService,
  ) {
    super(new Logger(ConfigFileUsagePlanSync.name));
  }

  // UsagePlansModule does not export its providers; these are its own instances.
  private get plans(): UsagePlansService {
    return this.moduleRef.get(UsagePlansService, { strict: false });
  }

  private get store(): UsagePlanStore {
    return this.moduleRef.get(UsagePlanStore, { strict: false });
  }

  protected async current(): Promise<OwnedUsagePlan[]> {
    const keys = await this.keys.all(false);
    this.fileKeys = new Map(keys.filter(isFileManaged).map((k) => [k.name, k.id]));
    const owned = (await allPages((q) => this.plans.list(q))).filter(isFileManaged);
    return Promise.all(
      owned.map(async (plan) => ({
        ...plan,
        keyIds: (await allPages((q) => this.plans.listKeys(plan.id, q))).map((k) => k.id),
      })),
    );
  }

  protected match(desired: DesiredUsagePlan[], current: OwnedUsagePlan[]): UsagePlanPlan {
    const plan: UsagePlanPlan = { create: [], update: [], delete: [] };
    const kept = new Set<string>();
    for (const want of desired) {
      const have = current.find((p) => p.name === want.name && !kept.has(p.id));
      if (!have) plan.create.push(want);
      else {
        kept.add(have.id);
        plan.update.push({ want, current: have });
      }
    }
    plan.delete = current.filter((p) => !kept.has(p.id));
    return plan;
  }

  protected label(record: DesiredUsagePlan | OwnedUsagePlan): string {
    return record.name;
  }

  /**
   * The tagged plan is written first, empty (the management API refuses the reserved tag), so
   * that whatever the operations after it do, the file owns it and a later reconcile finishes it.
   */
  protected async create(want: DesiredUsagePlan): Promise<void> {
    const empty: UsagePlan = {
      id: generateId(),
      name: want.name,
      apiStages: [],
      tags: { [MANAGED_BY_TAG]: MANAGED_BY_CONFIG_FILE },
    };
    await this.store.put(empty);
    await this.update(want, { ...empty, keyIds: [] });
  }

  protected async update(want: DesiredUsagePlan, current: OwnedUsagePlan): Promise<boolean> {
    const ops = usagePlanPatch(current, want);
    if (ops.length > 0) await this.plans.update(current.id, ops);
    const { wanted, missing } = this.keyIdsOf(want);
    const removed = current.keyIds.filter((id) => !wanted.includes(id));
    const added = wanted.filter((id) => !current.keyIds.includes(id));
    // Removals first: a key may move to this plan from one it leaves.
    for (const keyId of removed) await this.plans.deleteKey(current.id, keyId);
    for (const keyId of added) {
      await this.plans.createKey(current.id, { keyId, keyType: 'API_KEY' });
    }
    if (missing.length > 0) {
      throw new Error(
        `${want.at}.apiKeys: the file's API keys ${missing.join(', ')} do not exist (yet)`,
      );
    }
    return ops.length + removed.length + added.length > 0;
  }

  protected remove(gone: OwnedUsagePlan): Promise<void> {
    return this.plans.delete(gone.id);
  }

  /** Key ids; a file's key is missing when the API key sync could not create it. */
  private keyIdsOf(want: DesiredUsagePlan): { wanted: string[]; missing: string[] } {
    const wanted: string[] = [];
    const missing: string[] = [];
    for (const key of want.keys) {
      if ('keyId' in key) {
        wanted.push(key.keyId);
        continue;
      }
      const id = this.fileKeys.get(key.fileKey);
      if (id === undefined) missing.push(`"${key.fileKey}"`);
      else wanted.push(id);
    }
    return { wanted, missing };
  }
}

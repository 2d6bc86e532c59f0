import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { UsagePlan, UsagePlanKey } from '../model/usage-plan';

/**
 * Usage plans and their keys in Redis, beside the definitions and under the same `{defs}` hash
 * tag (so a plan, its keys and the reverse index commit in one MULTI on Redis Cluster). Every
 * write also changes the definitions' revision, so an edge that resyncs by revision sees it.
 * control writes (under the locks it chooses: DefinitionStore.withLock), edges only read.
 *
 * Keys: `usageplans` (set of ids), `usageplan:<id>` (JSON), `usageplankeys:<id>` (set of key
 * ids), `apikeyplans:<keyId>` (set of plan ids, to find a key's plans).
 */
export class UsagePlanStore {
  private readonly p: string;

  constructor(
    private readonly redis: Redis,
    prefix = 'portico:',
  ) {
    this.p = `${prefix}{defs}:`;
  }

  private k = {
    plans: () => `${this.p}usageplans`,
    plan: (id: string) => `${this.p}usageplan:${id}`,
    planKeys: (id: string) => `${this.p}usageplankeys:${id}`,
    keyPlans: (keyId: string) => `${this.p}apikeyplans:${keyId}`,
    revision: () => `${this.p}revision`,
  };

  async get(id: string): Promise<UsagePlan | undefined> {
    const value = await this.redis.get(this.k.plan(id));
    return value === null ? undefined : (JSON.parse(value) as UsagePlan);
  }

  /** Every plan, by id. */
  async list(): Promise<UsagePlan[]> {
    return this.mget((await this.redis.smembers(this.k.plans())).sort());
  }

  /** The plans an API key belongs to, by id. */
  async plansOfKey(keyId: string): Promise<UsagePlan[]> {
    return this.mget((await this.redis.smembers(this.k.keyPlans(keyId))).sort());
  }

  /** Every plan with the ids of its keys, in two round trips (as edges load them). */
  async listWithKeys(): Promise<{ plan: UsagePlan; keyIds: string[] }[]> {
    const plans = await this.list();
    if (plans.length === 0) return [];
    const tx = this.redis.pipeline();
    for (const plan of plans) tx.smembers(this.k.planKeys(plan.id));
    const results = (await tx.exec()) ?? [];
    return plans.map((plan, i) => {
      const [err, keyIds] = results[i] ?? [new Error('no reply')];
      if (err) throw err;
      return { plan, keyIds: keyIds as string[] };
    });
  }

  /** The ids of the keys in a plan, sorted. */
  async keyIds(usagePlanId: string): Promise<string[]> {
    return (await this.redis.smembers(this.k.planKeys(usagePlanId))).sort();
  }

  async hasKey(usagePlanId: string, keyId: string): Promise<boolean> {
    return (await this.redis.sismember(this.k.planKeys(usagePlanId), keyId)) === 1;
  }

  /** Writes a plan (new or changed). */
  async put(plan: UsagePlan): Promise<void> {
    const tx = this.redis.multi();
    tx.set(this.k.plan(plan.id), JSON.stringify(plan)).sadd(this.k.plans(), plan.id);
    await this.exec(tx);
  }

  /** Deletes a plan with every key's membership of it, in one transaction. */
  async delete(id: string): Promise<void> {
    const keyIds = await this.redis.smembers(this.k.planKeys(id));
    const tx = this.redis.multi();
    tx.del(this.k.plan(id), this.k.planKeys(id)).srem(this.k.plans(), id);
    for (const keyId of keyIds) tx.srem(this.k.keyPlans(keyId), id);
    await this.exec(tx);
  }

  async addKey(key: UsagePlanKey): Promise<void> {
    const tx = this.redis.multi();
    tx.sadd(this.k.planKeys(key.usagePlanId), key.keyId);
    tx.sadd(this.k.keyPlans(key.keyId), key.usagePlanId);
    await this.exec(tx);
  }

  async removeKey(usagePlanId: string, keyId: string): Promise<void> {
    const tx = this.redis.multi();
    tx.srem(this.k.planKeys(usagePlanId), keyId).srem(this.k.keyPlans(keyId), usagePlanId);
    await this.exec(tx);
  }

  private async mget(ids: string[]): Promise<UsagePlan[]> {
    if (ids.length === 0) return [];
    const values = await this.redis.mget(...ids.map((id) => this.k.plan(id)));
    return values.flatMap((v) => (v === null ? [] : [JSON.parse(v) as UsagePlan]));
  }

  private async exec(tx: ReturnType<Redis['multi']>): Promise<void> {
    tx.set(this.k.revision(), randomUUID());
    const results = await tx.exec();
    if (!results) throw new Error('Redis transaction aborted');
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }
}

import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type {
  ActiveStage,
  ApiSettings,
  Deployment,
  DomainName,
  RestApi,
  Stage,
  StageHead,
} from '../model/api-definition';
import { DefinitionLocks, type LockOptions } from './definition-lock';

/**
 * Several changes written in one MULTI, so they all land or none does (a config-file deploy,
 * an API deleted together with the base path mappings that point at it). Deletions run first.
 */
export interface DefinitionChanges {
  deletedRestApis?: string[];
  deletedStages?: { restApiId: string; stageName: string }[];
  /** The writer checks, under the API's lock, that no stage points at them (as AWS refuses). */
  deletedDeployments?: { restApiId: string; deploymentId: string }[];
  deletedDomains?: string[];
  restApis?: RestApi[];
  deployments?: Deployment[];
  stages?: Stage[];
  domains?: DomainName[];
}

/**
 * Definitions in Redis. Every key carries the `{defs}` hash tag so multi-key transactions stay
 * in one slot on Redis Cluster; definitions are small and change rarely, so one slot is enough.
 * control writes through this class, edges only read.
 */
export class DefinitionStore {
  private readonly p: string;
  private readonly locks: DefinitionLocks;

  constructor(
    private readonly redis: Redis,
    prefix = 'portico:',
  ) {
    this.p = `${prefix}{defs}:`;
    this.locks = new DefinitionLocks(redis, this.p);
  }

  /**
   * Runs `fn` while holding the lock of every scope (all taken at once, or none), so a
   * read-check-write inside it cannot interleave with another writer of those scopes in any
   * replica. Throws `DefinitionLockTimeoutError` when the locks stay taken past the wait.
   * Scopes are plain strings chosen by the writer (control uses `api:<id>`, `domain:<name>`).
   */
  withLock<T>(scopes: string | string[], fn: () => Promise<T>, opts?: LockOptions): Promise<T> {
    return this.locks.withLock(scopes, fn, opts);
  }

  /** The Redis key that holds the lock of `scope`. */
  lockKey(scope: string): string {
    return this.locks.key(scope);
  }

  private k = {
    restApis: () => `${this.p}restapis`,
    restApi: (id: string) => `${this.p}restapi:${id}`,
    deployments: (apiId: string) => `${this.p}deployments:${apiId}`,
    deployment: (apiId: string, id: string) => `${this.p}deployment:${apiId}:${id}`,
    stages: (apiId: string) => `${this.p}stages:${apiId}`,
    stage: (apiId: string, name: string) => `${this.p}stage:${apiId}:${name}`,
    domains: () => `${this.p}domains`,
    domain: (name: string) => `${this.p}domain:${name.toLowerCase()}`,
    revision: () => `${this.p}revision`,
  };

  // ---- reads -------------------------------------------------------------------------------

  async getRestApi(id: string): Promise<RestApi | undefined> {
    return parse<RestApi>(await this.redis.get(this.k.restApi(id)));
  }

  async listRestApis(): Promise<RestApi[]> {
    const ids = (await this.redis.smembers(this.k.restApis())).sort();
    return this.mget<RestApi>(ids.map((id) => this.k.restApi(id)));
  }

  async getDeployment(apiId: string, id: string): Promise<Deployment | undefined> {
    return parse<Deployment>(await this.redis.get(this.k.deployment(apiId, id)));
  }

  /** Newest first. */
  async listDeployments(apiId: string): Promise<Deployment[]> {
    const ids = await this.redis.zrevrange(this.k.deployments(apiId), 0, -1);
    return this.mget<Deployment>(ids.map((id) => this.k.deployment(apiId, id)));
  }

  async getStage(apiId: string, name: string): Promise<Stage | undefined> {
    return parse<Stage>(await this.redis.get(this.k.stage(apiId, name)));
  }

  async listStages(apiId: string): Promise<Stage[]> {
    const names = (await this.redis.smembers(this.k.stages(apiId))).sort();
    return this.mget<Stage>(names.map((n) => this.k.stage(apiId, n)));
  }

  /** A stage with the deployment it points at, as an edge serves it; none without one. */
  async getActiveStage(apiId: string, name: string): Promise<ActiveStage | undefined> {
    const [api, stage] = await Promise.all([this.getRestApi(apiId), this.getStage(apiId, name)]);
    if (!api || stage?.deploymentId === undefined) return undefined;
    const deployment = await this.getDeployment(apiId, stage.deploymentId);
    return deployment && { stage, deployment, api: apiSettings(api) };
  }

  /**
   * Every served stage without its deployment (the large part), as an edge's resync reads them
   * to see which changed: the APIs, then their stages concurrently — a fixed number of round
   * trips however many APIs and stages there are. A stage that points at no deployment serves
   * nothing, so it is not listed: to an edge it is a stage that does not exist.
   */
  async listStageHeads(): Promise<StageHead[]> {
    const apis = await this.listRestApis();
    const stagesByApi = await Promise.all(apis.map((api) => this.listStages(api.id)));
    return apis.flatMap((api, i) => {
      const settings = apiSettings(api);
      return (stagesByApi[i] ?? [])
        .filter((stage) => stage.deploymentId !== undefined)
        .map((stage) => ({ api: settings, stage }));
    });
  }

  /**
   * The deployments `heads` point at, in one MGET; a head whose deployment is gone (or that
   * points at none) is left out.
   */
  async withDeployments(heads: StageHead[]): Promise<ActiveStage[]> {
    const deployed = heads.flatMap((head) => {
      const { deploymentId } = head.stage;
      return deploymentId === undefined ? [] : [{ head, deploymentId }];
    });
    if (deployed.length === 0) return [];
    const deployments = await this.redis.mget(
      ...deployed.map(({ head, deploymentId }) =>
        this.k.deployment(head.stage.restApiId, deploymentId),
      ),
    );
    return deployed.flatMap(({ head }, i) => {
      const deployment = parse<Deployment>(deployments[i] ?? null);
      return deployment ? [{ ...head, deployment }] : [];
    });
  }

  /**
   * Changes with every commit (a random id, not a counter, so a Redis that lost its data and
   * starts over cannot repeat a value an edge remembers); undefined before the first commit.
   * An edge whose last full load saw this revision has nothing to resync.
   */
  async getRevision(): Promise<string | undefined> {
    return (await this.redis.get(this.k.revision())) ?? undefined;
  }

  async getDomain(name: string): Promise<DomainName | undefined> {
    return parse<DomainName>(await this.redis.get(this.k.domain(name)));
  }

  async listDomains(): Promise<DomainName[]> {
    const names = (await this.redis.smembers(this.k.domains())).sort();
    return this.mget<DomainName>(names.map((n) => this.k.domain(n)));
  }

  // ---- writes (control only) ---------------------------------------------------------------
  // Every write is a `commit`: one code path builds the MULTI, so a single-thing write and a
  // whole config-file deploy keep the same keys and indexes in step.

  async putRestApi(api: RestApi): Promise<void> {
    await this.commit({ restApis: [api] });
  }

  /** Deletes the API with all its deployments and stages. */
  async deleteRestApi(id: string): Promise<void> {
    await this.commit({ deletedRestApis: [id] });
  }

  /** Writes a deployment and, atomically with it, the stages that now point at it. */
  async putDeployment(deployment: Deployment, stages: Stage[] = []): Promise<void> {
    await this.commit({ deployments: [deployment], stages });
  }

  async putStage(stage: Stage): Promise<void> {
    await this.commit({ stages: [stage] });
  }

  async deleteStage(restApiId: string, stageName: string): Promise<void> {
    await this.commit({ deletedStages: [{ restApiId, stageName }] });
  }

  /** Call it holding the API's lock, having checked that no stage points at the deployment. */
  async deleteDeployment(restApiId: string, deploymentId: string): Promise<void> {
    await this.commit({ deletedDeployments: [{ restApiId, deploymentId }] });
  }

  async putDomain(domain: DomainName): Promise<void> {
    await this.commit({ domains: [domain] });
  }

  async deleteDomain(name: string): Promise<void> {
    await this.commit({ deletedDomains: [name] });
  }

  /**
   * Writes all `changes` in one MULTI, deletions first, so they all land or none does. The
   * members of a deleted API (its stages and deployments) are read just before the MULTI: a
   * deployment written for that API in between is left behind unreachable, never served.
   */
  async commit(changes: DefinitionChanges): Promise<void> {
    const deletedApis = await Promise.all(
      (changes.deletedRestApis ?? []).map(async (id) => {
        const [stageNames, deploymentIds] = await Promise.all([
          this.redis.smembers(this.k.stages(id)),
          this.redis.zrange(this.k.deployments(id), 0, -1),
        ]);
        return { id, stageNames, deploymentIds };
      }),
    );
    const tx = this.redis.multi();
    for (const { id, stageNames, deploymentIds } of deletedApis) {
      tx.del(this.k.restApi(id)).srem(this.k.restApis(), id);
      tx.del(this.k.stages(id)).del(this.k.deployments(id));
      for (const n of stageNames) tx.del(this.k.stage(id, n));
      for (const d of deploymentIds) tx.del(this.k.deployment(id, d));
    }
    for (const { restApiId, stageName } of changes.deletedStages ?? []) {
      tx.del(this.k.stage(restApiId, stageName)).srem(this.k.stages(restApiId), stageName);
    }
    for (const { restApiId, deploymentId } of changes.deletedDeployments ?? []) {
      tx.del(this.k.deployment(restApiId, deploymentId));
      tx.zrem(this.k.deployments(restApiId), deploymentId);
    }
    for (const name of changes.deletedDomains ?? []) {
      tx.del(this.k.domain(name)).srem(this.k.domains(), name.toLowerCase());
    }
    for (const api of changes.restApis ?? []) {
      tx.set(this.k.restApi(api.id), JSON.stringify(api)).sadd(this.k.restApis(), api.id);
    }
    for (const d of changes.deployments ?? []) {
      tx.set(this.k.deployment(d.restApiId, d.id), JSON.stringify(d));
      tx.zadd(this.k.deployments(d.restApiId), d.createdDate, d.id);
    }
    for (const s of changes.stages ?? []) {
      tx.set(this.k.stage(s.restApiId, s.stageName), JSON.stringify(s));
      tx.sadd(this.k.stages(s.restApiId), s.stageName);
    }
    for (const domain of changes.domains ?? []) {
      tx.set(this.k.domain(domain.domainName), JSON.stringify(domain));
      tx.sadd(this.k.domains(), domain.domainName.toLowerCase());
    }
    tx.set(this.k.revision(), randomUUID());
    checkExec(await tx.exec());
  }

  private async mget<T>(keys: string[]): Promise<T[]> {
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys);
    return values
      .map((v) => parse<T>(v))
      .filter((v): v is NonNullable<typeof v> => v !== undefined);
  }
}

function parse<T>(value: string | null): T | undefined {
  return value === null ? undefined : (JSON.parse(value) as T);
}

/** A MULTI whose EXEC reports a per-command error must not pass as written. */
function checkExec(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error('Redis transaction aborted');
  const failed = results.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}

function apiSettings(api: RestApi): ApiSettings {
  return {
    id: api.id,
    name: api.name,
    binaryMediaTypes: api.binaryMediaTypes,
    apiKeySource: api.apiKeySource,
    disableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
    ...(api.protocolType === 'WEBSOCKET' ? { protocolType: api.protocolType } : {}),
  };
}

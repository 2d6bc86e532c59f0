import { Logger } from '@nestjs/common';
import type {
  ActiveStage,
  DefinitionStore,
  DomainName,
  StageHead,
  UsagePlan,
  UsagePlanStore,
} from '@portico/definitions';
import { HealthService } from '@portico/platform';
import type { EdgeConfig } from '../config';
import { activeStage, domainName, resource } from '../testing/api-factory';
import { StageRegistry } from './stage-registry.service';
import { UsagePlanRegistry } from './usage-plan-registry';

/**
 * The registry's bookkeeping with an in-memory definition source (Redis itself is exercised by
 * stage-updates.spec.ts).
 */
class FakeStore {
  stages = new Map<string, ActiveStage>();
  domains = new Map<string, DomainName>();
  down = false;
  /** Resolves listStageHeads late, with what the store held when it was called. */
  slowList?: Promise<void>;
  listed?: () => void;
  /** Undefined, as in a store nothing has been committed to, unless a test sets it. */
  revision?: string;
  headListings = 0;
  deploymentsRead: string[] = [];
  /** Stages (`api/stage`) whose deployment record is gone. */
  missingDeployments = new Set<string>();
  private snapshot = new Map<string, ActiveStage>();

  put(a: ActiveStage): void {
    this.stages.set(`${a.stage.restApiId}/${a.stage.stageName}`, a);
  }
  async getRevision(): Promise<string | undefined> {
    if (this.down) throw new Error('Redis is down');
    return this.revision;
  }
  async listStageHeads(): Promise<StageHead[]> {
    if (this.down) throw new Error('Redis is down');
    this.headListings++;
    this.snapshot = new Map(this.stages);
    this.listed?.();
    await this.slowList;
    return [...this.snapshot.values()].map((a) => ({ stage: a.stage, api: a.api }));
  }
  async withDeployments(heads: StageHead[]): Promise<ActiveStage[]> {
    return heads.flatMap((h) => {
      const key = `${h.stage.restApiId}/${h.stage.stageName}`;
      this.deploymentsRead.push(key);
      const active = this.snapshot.get(key);
      return active && !this.missingDeployments.has(key) ? [active] : [];
    });
  }
  async listDomains(): Promise<DomainName[]> {
    return [...this.domains.values()];
  }
  async getActiveStage(apiId: string, name: string): Promise<ActiveStage | undefined> {
    if (this.down) throw new Error('Redis is down');
    return this.stages.get(`${apiId}/${name}`);
  }
  async getDomain(name: string): Promise<DomainName | undefined> {
    return this.domains.get(name.toLowerCase());
  }
}

const stage = (apiId: string, deploymentId: string, paths: string[] = ['/pets']) =>
  activeStage({
    apiId,
    stageName: 'prod',
    deploymentId,
    resources: paths.map((p) => resource(p, ['GET'])),
  });

describe('StageRegistry', () => {
  let store: FakeStore;
  let health: HealthService;
  let registry: StageRegistry;
  let plans: { plan: UsagePlan; keyIds: string[] }[];
  let plansDown: boolean;
  let planLoads: number;
  let planRegistry: UsagePlanRegistry;
  const plansFor = (keyId: string) => planRegistry.planFor('a', 'prod', keyId);

  beforeEach(() => {
    plans = [];
    plansDown = false;
    planLoads = 0;
    store = new FakeStore();
    health = new HealthService();
    planRegistry = new UsagePlanRegistry({
      listWithKeys: () => {
        planLoads++;
        if (store.down || plansDown) return Promise.reject(new Error('down'));
        return Promise.resolve(plans);
      },
    } as unknown as UsagePlanStore);
    registry = new StageRegistry(
      store as unknown as DefinitionStore,
      planRegistry,
      { STAGE_RESYNC_INTERVAL_MS: 600_000 } as EdgeConfig,
      health,
    );
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    registry.onApplicationShutdown();
    jest.restoreAllMocks();
  });

  it('is not ready until a full load succeeds', async () => {
    store.down = true;
    store.put(stage('a', 'd1'));
    await registry.onApplicationBootstrap();
    expect(registry.isLoaded).toBe(false);
    expect((await health.readiness()).checks['stages']).toBe(false);
    store.down = false;
    await registry.resyncAll('test');
    expect((await health.readiness()).checks['stages']).toBe(true);
    expect(registry.stage('a', 'prod')?.deploymentId).toBe('d1');
  });

  it('loads usage plans with the definitions, and retries a failed plan load at the next resync', async () => {
    store.revision = 'r1';
    plansDown = true;
    await registry.resyncAll('test');
    expect(registry.isLoaded).toBe(true);
    expect((await health.readiness()).checks['usageplans']).toBe(false);
    plansDown = false;
    plans = [
      {
        plan: { id: 'p1', name: 'p1', apiStages: [{ apiId: 'a', stage: 'prod' }], tags: {} },
        keyIds: ['k1'],
      },
    ];
    // The revision has not moved, but the plans never loaded: this resync loads them.
    await registry.resyncAll('test');
    expect((await health.readiness()).checks['usageplans']).toBe(true);
    expect(plansFor('k1')?.planId).toBe('p1');
    // Loaded at this revision: the next resync reads nothing more.
    const loads = planLoads;
    await registry.resyncAll('test');
    expect(planLoads).toBe(loads);
  });

  it('reloads usage plans on a change event and ignores a malformed one', async () => {
    await registry.resyncAll('test');
    plans = [
      {
        plan: { id: 'p2', name: 'p2', apiStages: [{ apiId: 'a', stage: 'prod' }], tags: {} },
        keyIds: ['k2'],
      },
    ];
    const loads = planLoads;
    for (const bad of [null, 'x', { usagePlanId: 7 }]) await registry.applyUsagePlanEvent(bad);
    expect(planLoads).toBe(loads);
    expect(plansFor('k2')).toBeUndefined();
    await registry.applyUsagePlanEvent({ usagePlanId: 'p2', change: 'updated' });
    expect(plansFor('k2')?.planId).toBe('p2');
  });

  it('recompiles only what changed and drops what is gone on a resync', async () => {
    store.put(stage('a', 'd1'));
    store.put(stage('b', 'd1'));
    await registry.resyncAll('test');
    const a1 = registry.stage('a', 'prod');
    store.put(stage('b', 'd2'));
    store.stages.delete('a/prod');
    store.put(stage('c', 'd1'));
    await registry.resyncAll('test');
    expect(registry.stage('a', 'prod')).toBeUndefined();
    expect(registry.stage('b', 'prod')?.deploymentId).toBe('d2');
    expect(registry.stage('c', 'prod')).toBeDefined();
    store.put(stage('a', 'd1'));
    await registry.resyncAll('test');
    const again = registry.stage('a', 'prod');
    await registry.resyncAll('test');
    expect(registry.stage('a', 'prod')).toBe(again);
    expect(again).not.toBe(a1);
  });

  it("skips a resync while the store's revision has not moved, and reads only changed deployments", async () => {
    store.revision = 'r1';
    store.put(stage('a', 'd1'));
    store.put(stage('b', 'd1'));
    await registry.resyncAll('test');
    expect(store.deploymentsRead.sort()).toEqual(['a/prod', 'b/prod']);
    // A write that did not move the revision is not looked for: nothing is read at all.
    store.put(stage('b', 'd2'));
    await registry.requestResync('periodic');
    expect(store.headListings).toBe(1);
    expect(registry.stage('b', 'prod')?.deploymentId).toBe('d1');
    store.revision = 'r2';
    const a = registry.stage('a', 'prod');
    await registry.requestResync('periodic');
    expect(store.headListings).toBe(2);
    expect(store.deploymentsRead.sort()).toEqual(['a/prod', 'b/prod', 'b/prod']);
    expect(registry.stage('b', 'prod')?.deploymentId).toBe('d2');
    expect(registry.stage('a', 'prod')).toBe(a);
  });

  it('swaps one stage on an event; a request holding the old one keeps a working router', async () => {
    store.put(stage('a', 'd1', ['/old']));
    await registry.resyncAll('test');
    const held = registry.stage('a', 'prod')!;
    store.put(stage('a', 'd2', ['/new']));
    await registry.applyStageEvent({ restApiId: 'a', stageName: 'prod', change: 'updated' });
    const current = registry.stage('a', 'prod')!;
    expect(current.deploymentId).toBe('d2');
    expect(current.routes.match('GET', '/new', ['new'])).toBeDefined();
    expect(held.routes.match('GET', '/old', ['old'])).toBeDefined();
    store.stages.delete('a/prod');
    await registry.applyStageEvent({ restApiId: 'a', stageName: 'prod', change: 'deleted' });
    expect(registry.stage('a', 'prod')).toBeUndefined();
  });

  it('keeps the previous version when a new one does not compile, and logs it once', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    store.put(stage('a', 'd1'));
    await registry.resyncAll('test');
    const good = registry.stage('a', 'prod');
    store.put(stage('a', 'broken', ['/x/{proxy+}/y']));
    await registry.applyStageEvent({ restApiId: 'a', stageName: 'prod', change: 'updated' });
    await registry.resyncAll('test');
    await registry.resyncAll('test');
    expect(registry.stage('a', 'prod')).toBe(good);
    expect(errors).toHaveBeenCalledTimes(1);
  });

  it('applies changes in order, so a slow resync cannot overwrite a newer event', async () => {
    store.put(stage('a', 'd1'));
    await registry.resyncAll('test');
    let release!: () => void;
    store.slowList = new Promise((r) => (release = r));
    const listed = new Promise<void>((r) => (store.listed = r));
    const resync = registry.resyncAll('test');
    await listed; // the resync has read d1 and is still busy
    store.put(stage('a', 'd2'));
    const event = registry.applyStageEvent({
      restApiId: 'a',
      stageName: 'prod',
      change: 'updated',
    });
    release();
    await Promise.all([resync, event]);
    expect(registry.stage('a', 'prod')?.deploymentId).toBe('d2');
  });

  it('keeps serving what it has when Redis fails during an event or a resync', async () => {
    store.put(stage('a', 'd1'));
    await registry.resyncAll('test');
    store.down = true;
    await registry.applyStageEvent({ restApiId: 'a', stageName: 'prod', change: 'updated' });
    await registry.resyncAll('test');
    expect(registry.stage('a', 'prod')?.deploymentId).toBe('d1');
  });

  it('ignores malformed events', async () => {
    await expect(registry.applyStageEvent({ restApiId: 1 })).resolves.toBeUndefined();
    await expect(registry.applyStageEvent(null)).resolves.toBeUndefined();
    await expect(registry.applyDomainEvent('x')).resolves.toBeUndefined();
  });

  it('keeps serving when a domain record cannot be read: the others load, that one keeps its last version', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    store.put(stage('a', 'd1'));
    store.domains.set(
      'good.test',
      domainName('good.test', [{ basePath: '(none)', restApiId: 'a', stage: 'prod' }]),
    );
    await registry.resyncAll('test');
    const before = registry.domain('good.test');
    expect(before).toBeDefined();
    // Both records go bad (say, written by a newer control): neither may take the registry down.
    const broken = {
      domainName: 'good.test',
      basePathMappings: undefined,
    } as unknown as DomainName;
    store.domains.set('good.test', broken);
    store.domains.set('new.test', { domainName: 'new.test' } as unknown as DomainName);
    await expect(registry.resyncAll('test')).resolves.toBeUndefined();
    await expect(
      registry.applyDomainEvent({ domainName: 'good.test', change: 'updated' }),
    ).resolves.toBeUndefined();
    expect(registry.domain('good.test')).toBe(before);
    expect(registry.domain('new.test')).toBeUndefined();
    expect(registry.stage('a', 'prod')?.deploymentId).toBe('d1');
    expect(errors).toHaveBeenCalled();
  });

  it('skips a malformed stage record and loads the rest', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    store.put(stage('a', 'd1'));
    store.stages.set('bad/prod', { stage: undefined } as unknown as ActiveStage);
    await registry.resyncAll('test');
    expect(registry.isLoaded).toBe(true);
    expect(registry.stage('a', 'prod')?.deploymentId).toBe('d1');
    expect(errors).toHaveBeenCalledWith(expect.anything(), 'Skipping a malformed stage record');
  });

  it('skips a stage whose deployment record is missing, logs it, and loads the rest', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    store.put(stage('a', 'd1'));
    store.put(stage('b', 'd1'));
    store.missingDeployments.add('b/prod');
    await registry.resyncAll('test');
    expect(registry.stage('a', 'prod')?.deploymentId).toBe('d1');
    expect(registry.stage('b', 'prod')).toBeUndefined();
    expect(errors).toHaveBeenCalledWith(
      expect.objectContaining({ restApiId: 'b', stageName: 'prod' }),
      'Skipping a stage whose deployment is missing',
    );
    // Once the deployment can be read, the next resync serves the stage.
    store.missingDeployments.clear();
    await registry.resyncAll('test');
    expect(registry.stage('b', 'prod')?.deploymentId).toBe('d1');
  });

  it('never rejects a resync nobody waits for (timers, NATS reconnects)', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    // A store answer the registry cannot iterate: loadAll itself fails.
    store.listDomains = async () => null as unknown as DomainName[];
    await expect(registry.requestResync('nats reconnect')).resolves.toBeUndefined();
    expect(errors).toHaveBeenCalledWith(
      expect.objectContaining({ reason: 'nats reconnect' }),
      'Resync failed; keeping what is loaded',
    );
  });

  it('loads domains with the longest base path first, keyed case-insensitively', async () => {
    store.domains.set(
      'api.example.test',
      domainName('API.Example.test', [
        { basePath: '(none)', restApiId: 'a', stage: 'prod' },
        { basePath: 'v1/orders', restApiId: 'b', stage: 'prod' },
        { basePath: 'v1', restApiId: 'c', stage: 'prod' },
      ]),
    );
    await registry.resyncAll('test');
    expect(registry.domain('api.example.test')?.mappings.map((m) => m.basePath.join('/'))).toEqual([
      'v1/orders',
      'v1',
      '',
    ]);
    store.domains.delete('api.example.test');
    await registry.applyDomainEvent({ domainName: 'API.example.test', change: 'deleted' });
    expect(registry.domain('api.example.test')).toBeUndefined();
  });
});

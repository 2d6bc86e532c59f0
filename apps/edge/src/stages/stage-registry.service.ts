import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  type ActiveStage,
  DefinitionStore,
  type DomainName,
  type StageHead,
} from '@portico/definitions';
import { HealthService } from '@portico/platform';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import type { StageDirectory } from '../routing/invocation-target';
import {
  type CompiledDomain,
  compileDomain,
  type CompiledStage,
  compileStage,
  stageFingerprint,
} from './compiled-stage';
import { isDomainChanged, isStageChanged, isUsagePlanChanged } from './stage-event.guards';
import { UsagePlanRegistry } from './usage-plan-registry';

/** How soon a failed first load is retried (readiness stays 503 until one succeeds). */
const FIRST_LOAD_RETRY_MS = 1000;

/**
 * Every deployed stage and custom domain, compiled and in memory. Loaded in full at start, then
 * kept current by change events (one stage or domain reloaded from Redis and swapped in), a
 * periodic resync and a resync after a NATS reconnect (events may have been missed). A resync
 * costs one GET when the store's revision has not moved since the last one, and otherwise reads
 * only the deployments of stages that changed: parsing every definition each time stalled the
 * event loop for tens of milliseconds with a 10,000-route API.
 *
 * A swap replaces one map entry with a fully built object: a request holds the compiled stage it
 * started with, so none sees a half-built router and none is dropped. A stage that fails to
 * compile is logged and keeps its previous version. Changes are applied one at a time, in order,
 * so a slow full resync can never overwrite a newer single-stage reload.
 */
@Injectable()
export class StageRegistry
  implements StageDirectory<CompiledStage>, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(StageRegistry.name);
  private stages = new Map<string, Map<string, CompiledStage>>();
  private domains = new Map<string, CompiledDomain>();
  private loaded = false;
  /** The store's revision at the last full load: a resync that finds it unchanged is a no-op. */
  private loadedRevision?: string;
  /** Fingerprints that failed to compile, so a resync does not retry (and re-log) them. */
  private readonly failed = new Map<string, string>();
  private queue: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly store: DefinitionStore,
    private readonly plans: UsagePlanRegistry,
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    health: HealthService,
  ) {
    health.register('stages', () => this.loaded);
    health.register('usageplans', () => plans.isLoaded);
  }

  stage(apiId: string, stageName: string): CompiledStage | undefined {
    return this.stages.get(apiId)?.get(stageName);
  }

  domain(host: string): CompiledDomain | undefined {
    return this.domains.get(host);
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  get stageCount(): number {
    let n = 0;
    for (const byName of this.stages.values()) n += byName.size;
    return n;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.resyncAll('start');
    this.schedule();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Handles a CONTROL_STAGE_CHANGED event. */
  applyStageEvent(event: unknown): Promise<void> {
    if (!isStageChanged(event)) {
      this.logger.warn({ event }, 'Ignoring a malformed stage change event');
      return Promise.resolve();
    }
    return this.enqueue(() => this.reloadStage(event.restApiId, event.stageName));
  }

  /** Handles a CONTROL_DOMAIN_CHANGED event. */
  applyDomainEvent(event: unknown): Promise<void> {
    if (!isDomainChanged(event)) {
      this.logger.warn({ event }, 'Ignoring a malformed domain change event');
      return Promise.resolve();
    }
    return this.enqueue(() => this.reloadDomain(event.domainName));
  }

  /** Handles a CONTROL_USAGEPLAN_CHANGED event: every plan is reloaded (they are few). */
  applyUsagePlanEvent(event: unknown): Promise<void> {
    if (!isUsagePlanChanged(event)) {
      this.logger.warn({ event }, 'Ignoring a malformed usage plan change event');
      return Promise.resolve();
    }
    return this.enqueue(async () => {
      await this.plans.reload(`usage plan ${event.usagePlanId} ${event.change}`);
    });
  }

  /** Reloads everything from Redis; failures are logged and leave what is served unchanged. */
  resyncAll(reason: string): Promise<void> {
    return this.enqueue(() => this.loadAll(reason));
  }

  /** A resync nobody waits for (timers, reconnects): whatever goes wrong is logged, never thrown. */
  requestResync(reason: string): Promise<void> {
    return this.resyncAll(reason).catch((err: unknown) =>
      this.logger.error({ reason, err: errorText(err) }, 'Resync failed; keeping what is loaded'),
    );
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.loaded ? this.config.STAGE_RESYNC_INTERVAL_MS : FIRST_LOAD_RETRY_MS;
    this.timer = setTimeout(() => {
      void this.requestResync('periodic').then(() => this.schedule());
    }, delay);
    this.timer.unref();
  }

  private async loadAll(reason: string): Promise<void> {
    let revision, heads, domains, changed, actives;
    try {
      // Read first: whatever changes after it makes the next resync look again.
      revision = await this.store.getRevision();
      if (this.loaded && revision !== undefined && revision === this.loadedRevision) return;
      [heads, domains] = await Promise.all([this.store.listStageHeads(), this.store.listDomains()]);
      // Plans are definitions too (their writes move the revision); a failed load is retried.
      if (!(await this.plans.reload(reason))) revision = undefined;
      // Only the stages that changed have their deployments (the bulk of it) read and parsed.
      changed = heads.filter((h) => this.needsCompiling(h));
      actives = await this.store.withDeployments(changed);
    } catch (err) {
      this.logger.warn(
        { reason, err: errorText(err) },
        'Could not load definitions from Redis; keeping what is loaded',
      );
      return;
    }
    const fresh = new Map(actives.map((a) => [failKey(a.stage.restApiId, a.stage.stageName), a]));
    const wanted = new Set(changed);
    const next = new Map<string, Map<string, CompiledStage>>();
    let compiled = 0;
    let failed = 0;
    for (const head of heads) {
      if (typeof head?.stage?.restApiId !== 'string') {
        // Unreadable record: skipped (and said), the rest of the load goes on.
        this.logger.error({ reason, stage: head?.stage }, 'Skipping a malformed stage record');
        failed++;
        continue;
      }
      const { restApiId, stageName } = head.stage;
      let entry = this.stage(restApiId, stageName);
      const active = fresh.get(failKey(restApiId, stageName));
      if (active) {
        const built = this.compile(active, stageFingerprint(active));
        if (built) {
          entry = built;
          compiled++;
        } else failed++;
      } else if (wanted.has(head)) {
        // Its deployment is missing: nothing to serve it with.
        this.logger.error(
          { reason, restApiId, stageName, deploymentId: head.stage.deploymentId },
          'Skipping a stage whose deployment is missing',
        );
        failed++;
        continue;
      }
      if (!entry) continue;
      let byName = next.get(restApiId);
      if (!byName) next.set(restApiId, (byName = new Map()));
      byName.set(stageName, entry);
    }
    const nextDomains = new Map<string, CompiledDomain>();
    for (const d of domains) {
      const entry = this.compileDomainOrKeep(d);
      if (!entry) continue;
      const previous = this.domains.get(entry.domainName);
      nextDomains.set(
        entry.domainName,
        previous?.fingerprint === entry.fingerprint ? previous : entry,
      );
    }
    const removed = this.stageCount - [...next.values()].reduce((n, m) => n + m.size, 0);
    this.stages = next;
    this.domains = nextDomains;
    this.loadedRevision = revision;
    if (!this.loaded || compiled > 0 || failed > 0 || removed !== 0 || reason !== 'periodic') {
      this.logger.log(
        { reason, stages: this.stageCount, domains: this.domains.size, compiled, failed },
        'Stages loaded',
      );
    }
    this.loaded = true;
  }

  /** A stage not served yet, or changed since, unless this very version already failed. */
  private needsCompiling(head: StageHead): boolean {
    if (typeof head?.stage?.restApiId !== 'string') return false;
    const { restApiId, stageName } = head.stage;
    const fingerprint = stageFingerprint(head);
    return (
      this.stage(restApiId, stageName)?.fingerprint !== fingerprint &&
      this.failed.get(failKey(restApiId, stageName)) !== fingerprint
    );
  }

  private async reloadStage(restApiId: string, stageName: string): Promise<void> {
    let active;
    try {
      active = await this.store.getActiveStage(restApiId, stageName);
    } catch (err) {
      this.logger.warn(
        { restApiId, stageName, err: errorText(err) },
        'Could not reload a changed stage; the next resync will',
      );
      return;
    }
    const byName = this.stages.get(restApiId);
    if (!active) {
      if (byName?.delete(stageName)) {
        if (byName.size === 0) this.stages.delete(restApiId);
        this.logger.log({ restApiId, stageName }, 'Stage removed');
      }
      return;
    }
    const previous = byName?.get(stageName);
    const fingerprint = stageFingerprint(active);
    if (previous?.fingerprint === fingerprint) return;
    const compiled = this.compile(active, fingerprint);
    if (!compiled) return;
    if (byName) byName.set(stageName, compiled);
    else this.stages.set(restApiId, new Map([[stageName, compiled]]));
    this.logger.log(
      { restApiId, stageName, deploymentId: compiled.deploymentId, routes: compiled.routes.size },
      previous ? 'Stage updated' : 'Stage added',
    );
  }

  /** Compiles, or logs (once per fingerprint) and returns undefined so the previous version stays. */
  private compile(active: ActiveStage, fingerprint: string): CompiledStage | undefined {
    const { restApiId, stageName } = active.stage;
    const key = failKey(restApiId, stageName);
    try {
      const compiled = compileStage(active, {
        region: this.config.PORTICO_REGION,
        accountId: this.config.PORTICO_ACCOUNT_ID,
      });
      this.failed.delete(key);
      return compiled;
    } catch (err) {
      if (this.failed.get(key) !== fingerprint) {
        this.failed.set(key, fingerprint);
        this.logger.error(
          { restApiId, stageName, deploymentId: active.deployment.id, err: errorText(err) },
          'Stage failed to compile; keeping its previous version',
        );
      }
      return undefined;
    }
  }

  private async reloadDomain(domainName: string): Promise<void> {
    let domain;
    try {
      domain = await this.store.getDomain(domainName);
    } catch (err) {
      this.logger.warn(
        { domainName, err: errorText(err) },
        'Could not reload a changed domain; the next resync will',
      );
      return;
    }
    const key = domainName.toLowerCase();
    if (!domain) {
      if (this.domains.delete(key)) this.logger.log({ domainName }, 'Domain removed');
      return;
    }
    const compiled = this.compileDomainOrKeep(domain);
    if (!compiled) return;
    this.domains.set(key, compiled);
    this.logger.log({ domainName, mappings: compiled.mappings.length }, 'Domain updated');
  }

  /** A domain record that cannot be read is logged; the previous version (if any) stays. */
  private compileDomainOrKeep(domain: DomainName): CompiledDomain | undefined {
    try {
      return compileDomain(domain);
    } catch (err) {
      const name = typeof domain?.domainName === 'string' ? domain.domainName.toLowerCase() : '';
      this.logger.error(
        { domainName: name, err: errorText(err) },
        'Domain failed to compile; keeping its previous version',
      );
      return this.domains.get(name);
    }
  }
}

function failKey(restApiId: string, stageName: string): string {
  return `${restApiId}\u0000${stageName}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

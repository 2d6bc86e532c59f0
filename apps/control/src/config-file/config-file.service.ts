import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  DEFAULT_LOCK_TTL_MS,
  DefinitionStore,
  type Deployment,
  generateId,
  type Stage,
} from '@portico/definitions';
import { ConfigError, METRICS_REGISTRY } from '@portico/platform';
import { Counter, type Registry } from 'prom-client';
import { Clock } from '../common/clock';
import { CONFIG_FILE_SCOPE, scopesOf } from '../common/locking';
import { CONTROL_CONFIG } from '../common/tokens';
import type { ControlConfig } from '../config';
import { ControlEvents } from '../events/control-events.service';
import { ConfigFileApiKeySync } from './config-file.apikey-sync';
import type { SyncOutcome } from './config-file.auth-sync';
import { ConfigFileCredentialSync } from './config-file.credential-sync';
import { ConfigFileError, type DesiredState, loadConfigFile } from './config-file.loader';
import { type CurrentState, isFileManaged, type Plan, planDeploy } from './config-file.planner';
import { ConfigFileUsagePlanSync } from './config-file.usage-plan-sync';
import { ConfigFileWatcher } from './config-file.watcher';

/** Long enough that a reconcile outlasts the lock of a replica that crashed mid-reconcile. */
const CONFIG_FILE_LOCK_WAIT_MS = DEFAULT_LOCK_TTL_MS + 5_000;
/** Re-plans when what the plan writes grew while its locks were being taken. */
const MAX_PLAN_ATTEMPTS = 5;
/** How soon credentials, API keys and usage plans that could not be reconciled are tried again. */
const AUTH_RETRY_MS = 5_000;

export type DeployOutcome =
  | { status: 'deployed' | 'unchanged'; files: string[] }
  | { status: 'invalid'; files: string[]; reason: string };

/**
 * Deploys the declarative config file at start and whenever it (or a definition it names)
 * changes. A file that does not validate changes nothing; a valid one is written in one
 * transaction, then announced.
 */
@Injectable()
export class ConfigFileService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConfigFileService.name);
  private running?: Promise<void>;
  private again = false;
  private authRetry?: NodeJS.Timeout;
  private readonly deploys: Counter<'outcome'>;

  constructor(
    private readonly store: DefinitionStore,
    private readonly clock: Clock,
    private readonly events: ControlEvents,
    private readonly watcher: ConfigFileWatcher,
    private readonly credentialSync: ConfigFileCredentialSync,
    private readonly apiKeySync: ConfigFileApiKeySync,
    private readonly usagePlanSync: ConfigFileUsagePlanSync,
    @Inject(CONTROL_CONFIG) private readonly config: ControlConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.deploys = new Counter({
      name: 'portico_control_config_file_deploys_total',
      help: 'Config file deploy attempts by outcome (deployed, unchanged, invalid, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  /** Boot stops (naming PORTICO_CONFIG) when a file that is there, or was asked for, is invalid. */
  async onApplicationBootstrap(): Promise<void> {
    const { path, explicit, watch } = this.config.configFile;
    if (!existsSync(path)) {
      if (explicit) throw new ConfigError('PORTICO_CONFIG', `names ${path}, which does not exist`);
      this.logger.log({ path }, 'no config file: starting with no file-managed APIs');
      return;
    }
    const outcome = await this.deploy();
    if (outcome.status === 'invalid') {
      throw new ConfigError('PORTICO_CONFIG', `names ${path}, which is invalid: ${outcome.reason}`);
    }
    if (watch) await this.watcher.start(outcome.files, () => void this.reload());
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.authRetry);
    await this.watcher.stop();
    await this.running;
  }

  /** One reload at a time; changes that arrive meanwhile cause one more afterwards. */
  reload(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const outcome = await this.deploy();
          this.watcher.update(outcome.files);
        } catch (err) {
          this.deploys.inc({ outcome: 'failed' });
          this.logger.error(
            { err: (err as Error).message },
            'config file deploy failed; nothing changed',
          );
        }
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async deploy(): Promise<DeployOutcome> {
    const outcome = await this.tryDeploy();
    this.deploys.inc({ outcome: outcome.status });
    return outcome;
  }

  private async tryDeploy(): Promise<DeployOutcome> {
    const { path } = this.config.configFile;
    const { files, result } = await loadConfigFile(path, this.config.configFile.env);
    if (!result.ok) {
      this.logger.error(
        { path, reason: result.error.message },
        'config file is invalid; deployed APIs left as they are',
      );
      return { status: 'invalid', files, reason: result.error.message };
    }
    for (const warning of result.state.warnings)
      this.logger.warn({ path, warning }, 'config file definition warning');
    let plan;
    let credentials: SyncOutcome | undefined;
    let apiKeys: SyncOutcome | undefined;
    let usagePlans: SyncOutcome | undefined;
    try {
      // One reconcile at a time across replicas, so two never deploy the same change twice.
      ({ plan, credentials, apiKeys, usagePlans } = await this.store.withLock(
        CONFIG_FILE_SCOPE,
        async () => {
          // Planned first: a file claiming a credential the management API made writes nothing.
          const credentialPlan = await this.credentialSync.plan(result.state.credentials ?? []);
          const apiKeyPlan = await this.apiKeySync.plan(result.state.apiKeys ?? []);
          const plan = await this.planAndCommit(result.state, path);
          const credentials = credentialPlan && (await this.credentialSync.apply(credentialPlan));
          // After the definitions: stage keys name stages the commit may have created.
          const apiKeys = apiKeyPlan && (await this.apiKeySync.apply(apiKeyPlan));
          // After the API keys: plans hold the keys just created, by their new ids.
          const usagePlanPlan = await this.usagePlanSync.plan(result.state.usagePlans ?? []);
          const usagePlans = usagePlanPlan && (await this.usagePlanSync.apply(usagePlanPlan));
          return { plan, credentials, apiKeys, usagePlans };
        },
        { waitMs: CONFIG_FILE_LOCK_WAIT_MS },
      ));
    } catch (err) {
      if (!(err instanceof ConfigFileError)) throw err;
      this.logger.error(
        { path, reason: err.message },
        'config file is invalid; deployed APIs left as they are',
      );
      return { status: 'invalid', files, reason: err.message };
    }
    this.retryAuthIf(
      retryNeeded(credentials, result.state.credentials) ||
        retryNeeded(apiKeys, result.state.apiKeys) ||
        retryNeeded(usagePlans, result.state.usagePlans),
    );
    if (plan.unchanged && changed(credentials) + changed(apiKeys) + changed(usagePlans) === 0) {
      this.logger.log(
        { path, apis: result.state.apis.length },
        'config file unchanged against what is deployed',
      );
      return { status: 'unchanged', files };
    }
    this.logger.log(
      {
        path,
        apis: result.state.apis.length,
        deployments: plan.deploymentsCreated,
        stagesChanged: plan.events.stages.length,
        domainsChanged: plan.events.domains.length,
        apisDeleted: plan.changes.deletedRestApis?.length ?? 0,
        ...(credentials && {
          credentialsCreated: credentials.created,
          credentialsUpdated: credentials.updated,
          credentialsDeleted: credentials.deleted,
        }),
        ...(apiKeys && {
          apiKeysCreated: apiKeys.created,
          apiKeysUpdated: apiKeys.updated,
          apiKeysDeleted: apiKeys.deleted,
        }),
        ...(usagePlans && {
          usagePlansCreated: usagePlans.created,
          usagePlansUpdated: usagePlans.updated,
          usagePlansDeleted: usagePlans.deleted,
        }),
      },
      'config file deployed',
    );
    if (!plan.unchanged) await this.events.publish(plan.events);
    return { status: 'deployed', files };
  }

  /**
   * Credentials and API keys live in the auth service, outside the definitions' transaction:
   * when it could not be reached, or refused one, the file is reconciled again a little later.
   */
  private retryAuthIf(needed: boolean): void {
    if (!needed || this.authRetry) return;
    this.logger.warn(
      { inMs: AUTH_RETRY_MS },
      'config file credentials, API keys and usage plans will be retried',
    );
    this.authRetry = setTimeout(() => {
      this.authRetry = undefined;
      void this.reload();
    }, AUTH_RETRY_MS);
    this.authRetry.unref();
  }

  /**
   * Plans against what is deployed, then takes the api/domain locks the plan writes (so no
   * management write to them interleaves), re-plans against a fresh read under those locks
   * and commits. If the fresh plan writes something not locked, it tries again with more.
   */
  private async planAndCommit(desired: DesiredState, path: string): Promise<Plan> {
    const plan = async (): Promise<Plan> =>
      planDeploy(desired, await this.currentState(), {
        now: this.clock.nowSeconds(),
        newDeploymentId: () => generateId(6),
        description: `Deployed from ${basename(path)}`,
      });
    let scopes = scopesOf((await plan()).changes);
    for (let attempt = 1; attempt <= MAX_PLAN_ATTEMPTS; attempt++) {
      const held = scopes;
      const done = await this.store.withLock(held, async () => {
        const fresh = await plan();
        const needed = scopesOf(fresh.changes);
        if (needed.some((s) => !held.includes(s))) {
          scopes = [...new Set([...held, ...needed])];
          return undefined;
        }
        if (!fresh.unchanged) await this.store.commit(fresh.changes);
        return fresh;
      });
      if (done) return done;
    }
    throw new Error('definitions kept changing while the config file was being deployed');
  }

  private async currentState(): Promise<CurrentState> {
    const [apis, domains] = await Promise.all([
      this.store.listRestApis(),
      this.store.listDomains(),
    ]);
    const stages = new Map<string, Stage[]>();
    const deployments = new Map<string, Deployment>();
    for (const api of apis) {
      const list = await this.store.listStages(api.id);
      stages.set(api.id, list);
      if (!isFileManaged(api)) continue;
      for (const s of list) {
        if (s.deploymentId === undefined) continue;
        const d = await this.store.getDeployment(api.id, s.deploymentId);
        if (d) deployments.set(`${api.id}/${d.id}`, d);
      }
    }
    return { apis, stages, deployments, domains };
  }
}

/** A step failed, or the auth service was not reached while the file declares some. */
function retryNeeded(outcome: SyncOutcome | undefined, declared: unknown[] | undefined): boolean {
  return outcome ? outcome.failed > 0 : (declared ?? []).length > 0;
}

function changed(outcome: SyncOutcome | undefined): number {
  return outcome ? outcome.created + outcome.updated + outcome.deleted : 0;
}

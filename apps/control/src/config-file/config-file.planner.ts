import { isDeepStrictEqual } from 'node:util';
import type {
  DefinitionChanges,
  Deployment,
  DomainName,
  RestApi,
  Stage,
} from '@portico/definitions';
import { domainsWithoutMappingsTo } from '../common/lookups';
import { type ControlChanges, noChanges } from '../events/control-events.service';
import { hasMethods, newRestApi, withDefinition } from '../restapis/rest-api.factory';
import { newStage } from '../stages/stage.factory';
import { ConfigFileError, type DesiredApi, type DesiredState } from './config-file.loader';
import { withFileThrottles } from './config-file.stage-throttles';

/** The tag that marks what the config file owns; nothing without it is ever touched. */
export const MANAGED_BY_TAG = 'portico:managed-by';
export const MANAGED_BY_CONFIG_FILE = 'config-file';

export function isFileManaged(thing: { tags: Record<string, string> }): boolean {
  return thing.tags[MANAGED_BY_TAG] === MANAGED_BY_CONFIG_FILE;
}

export interface CurrentState {
  apis: RestApi[];
  /** Stages of every API, by API id. */
  stages: Map<string, Stage[]>;
  /** The deployments that file-managed stages point at, by `${restApiId}/${deploymentId}`. */
  deployments: Map<string, Deployment>;
  domains: DomainName[];
}

export interface Plan {
  changes: DefinitionChanges;
  events: ControlChanges;
  deploymentsCreated: number;
  /** Nothing to write: the file matches what is deployed. */
  unchanged: boolean;
}

export interface PlanOptions {
  now: number;
  newDeploymentId: () => string;
  description: string;
}

/**
 * What must change so that Redis holds exactly what the file says, for what the file owns.
 * An API or stage whose definition and settings are unchanged gets no new deployment and no
 * event. Pure: the caller writes `changes` in one transaction, then publishes `events`.
 */
export function planDeploy(desired: DesiredState, current: CurrentState, opts: PlanOptions): Plan {
  const changes: Required<DefinitionChanges> = {
    deletedRestApis: [],
    deletedStages: [],
    deletedDeployments: [],
    deletedDomains: [],
    restApis: [],
    deployments: [],
    stages: [],
    domains: [],
  };
  const events = noChanges();
  const apisById = new Map(current.apis.map((a) => [a.id, a]));

  desired.apis.forEach((want, i) => {
    const at = want.at ?? `restApis[${i}]`;
    const existing = apisById.get(want.id);
    if (existing && !isFileManaged(existing)) {
      throw new ConfigFileError(
        `${at}.id "${want.id}" belongs to a REST API created through the management API`,
      );
    }
    if (want.stages.length > 0 && !deployable(want)) {
      throw new ConfigFileError(
        want.protocolType === 'WEBSOCKET'
          ? `${at}.routes is empty, so the API cannot be deployed`
          : `${at}.definition has no methods, so it cannot be deployed`,
      );
    }
    planApi(want, existing, current, opts, changes, events);
  });

  const wanted = new Set(desired.apis.map((a) => a.id));
  let domains = current.domains;
  for (const api of current.apis.filter((a) => isFileManaged(a) && !wanted.has(a.id))) {
    changes.deletedRestApis.push(api.id);
    for (const s of current.stages.get(api.id) ?? []) {
      events.stages.push({ restApiId: api.id, stageName: s.stageName, change: 'deleted' });
    }
    domains = cascade(domains, domainsWithoutMappingsTo(domains, api.id));
  }
  for (const { restApiId, stageName } of changes.deletedStages) {
    domains = cascade(domains, domainsWithoutMappingsTo(domains, restApiId, stageName));
  }

  planDomains(desired, current, domains, opts, changes, events);

  const unchanged = Object.values(changes).every((list) => list.length === 0);
  return { changes, events, deploymentsCreated: changes.deployments.length, unchanged };
}

function planApi(
  want: DesiredApi,
  existing: RestApi | undefined,
  current: CurrentState,
  opts: PlanOptions,
  changes: Required<DefinitionChanges>,
  events: ControlChanges,
): void {
  const tags = { ...existing?.tags, [MANAGED_BY_TAG]: MANAGED_BY_CONFIG_FILE };
  const webSocket = want.protocolType === 'WEBSOCKET';
  const { protocolType: _was, ...base } = existing
    ? { ...withDefinition(existing, want.definition, want.name), tags }
    : newRestApi({
        id: want.id,
        name: want.name,
        definition: want.definition,
        createdDate: opts.now,
        endpointTypes: webSocket ? ['REGIONAL'] : undefined,
        tags,
      });
  // REST records keep having no protocolType, as before WebSocket APIs existed.
  const api: RestApi = webSocket ? { ...base, protocolType: 'WEBSOCKET' } : base;
  if (!existing || !sameJson(api, existing)) changes.restApis.push(api);

  const stages = new Map((current.stages.get(want.id) ?? []).map((s) => [s.stageName, s]));
  let deployment: Deployment | undefined;
  const deploymentFor = (): Deployment => {
    deployment ??= {
      id: opts.newDeploymentId(),
      restApiId: want.id,
      description: opts.description,
      createdDate: opts.now,
      definition: want.definition,
    };
    return deployment;
  };

  for (const s of want.stages) {
    const cur = stages.get(s.name);
    const served = cur && current.deployments.get(`${want.id}/${cur.deploymentId}`);
    const deploymentId =
      served && sameJson(served.definition, want.definition) ? served.id : deploymentFor().id;
    const next: Stage = cur
      ? { ...cur, deploymentId, description: s.description, variables: s.variables }
      : newStage(
          {
            restApiId: want.id,
            stageName: s.name,
            deploymentId,
            description: s.description,
            variables: s.variables,
          },
          opts.now,
        );
    if (!webSocket) next.methodSettings = withFileThrottles(next.methodSettings, s.throttles);
    if (cur && sameJson(next, cur)) continue;
    if (cur) next.lastUpdatedDate = opts.now;
    changes.stages.push(next);
    events.stages.push({ restApiId: want.id, stageName: s.name, change: 'updated' });
  }
  if (deployment) changes.deployments.push(deployment);

  const keep = new Set(want.stages.map((s) => s.name));
  for (const name of stages.keys()) {
    if (keep.has(name)) continue;
    changes.deletedStages.push({ restApiId: want.id, stageName: name });
    events.stages.push({ restApiId: want.id, stageName: name, change: 'deleted' });
  }
}

function planDomains(
  desired: DesiredState,
  current: CurrentState,
  afterCascade: DomainName[],
  opts: PlanOptions,
  changes: Required<DefinitionChanges>,
  events: ControlChanges,
): void {
  const before = new Map(current.domains.map((d) => [d.domainName.toLowerCase(), d]));
  const now = new Map(afterCascade.map((d) => [d.domainName.toLowerCase(), d]));
  const wanted = new Set<string>();

  desired.domains.forEach((want, i) => {
    wanted.add(want.domainName);
    const existing = before.get(want.domainName);
    if (existing && !isFileManaged(existing)) {
      throw new ConfigFileError(
        `domainNames[${i}].domainName "${want.domainName}" was created through the management API`,
      );
    }
    want.basePathMappings.forEach((m, j) => {
      if (!m.external) return;
      const at = `domainNames[${i}].basePathMappings[${j}]`;
      const api = current.apis.find((a) => a.id === m.restApiId);
      if (!api || isFileManaged(api)) {
        throw new ConfigFileError(
          `${at}.restApi "${m.restApiId}" is neither in the file nor an existing REST API id`,
        );
      }
      if (!(current.stages.get(api.id) ?? []).some((s) => s.stageName === m.stage)) {
        throw new ConfigFileError(
          `${at}.stage "${m.stage}" is not a stage of REST API "${api.id}"`,
        );
      }
    });
    const basePathMappings = want.basePathMappings.map(({ basePath, restApiId, stage }) => ({
      basePath,
      restApiId,
      stage,
    }));
    const next: DomainName = existing
      ? { ...existing, basePathMappings }
      : {
          domainName: want.domainName,
          endpointConfiguration: { types: ['REGIONAL'] },
          securityPolicy: 'TLS_1_2',
          domainNameStatus: 'AVAILABLE',
          createdDate: opts.now,
          tags: { [MANAGED_BY_TAG]: MANAGED_BY_CONFIG_FILE },
          basePathMappings,
        };
    if (existing && sameJson(next, existing)) return;
    changes.domains.push(next);
    events.domains.push({ domainName: next.domainName, change: 'updated' });
  });

  for (const [name, domain] of before) {
    if (wanted.has(name)) continue;
    if (isFileManaged(domain)) {
      changes.deletedDomains.push(domain.domainName);
      events.domains.push({ domainName: domain.domainName, change: 'deleted' });
    } else if (!sameJson(now.get(name), domain)) {
      // A management-API domain that mapped something the file just removed.
      changes.domains.push(now.get(name)!);
      events.domains.push({ domainName: domain.domainName, change: 'updated' });
    }
  }
}

/** What AWS would deploy: a REST API with methods, a WebSocket API with routes. */
function deployable(want: DesiredApi): boolean {
  const ws = want.definition.webSocket;
  return ws ? Object.keys(ws.routes).length > 0 : hasMethods(want.definition);
}

/** Replaces domains in the list by the cascaded versions. */
function cascade(domains: DomainName[], updated: DomainName[]): DomainName[] {
  const byName = new Map(updated.map((d) => [d.domainName.toLowerCase(), d]));
  return domains.map((d) => byName.get(d.domainName.toLowerCase()) ?? d);
}

/** Equal as stored: Redis holds JSON, so `undefined` fields and key order do not count. */
function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(
    JSON.parse(JSON.stringify(a ?? null)),
    JSON.parse(JSON.stringify(b ?? null)),
  );
}

import type {
  DefinitionStore,
  Deployment,
  DomainName,
  ProtocolType,
  RestApi,
  Stage,
} from '@portico/definitions';
import { AwsNotFoundException } from './aws-errors';

/** Records stored before WebSocket APIs existed have no protocolType: they are REST APIs. */
export function protocolOf(api: RestApi): ProtocolType {
  return api.protocolType ?? 'REST';
}

/**
 * Reads that answer AWS's NotFoundException (and its wording) when the thing is missing. The
 * v1 (REST) and v2 (WebSocket) management APIs each see only their own kind of API: an id of
 * the other kind is as unknown as an id that does not exist.
 */
export async function requireApi(
  store: DefinitionStore,
  id: string,
  protocol: ProtocolType,
): Promise<RestApi> {
  const api = await store.getRestApi(id);
  if (!api || protocolOf(api) !== protocol) {
    throw new AwsNotFoundException(`Invalid API identifier specified: ${id}`);
  }
  return api;
}

export function requireRestApi(store: DefinitionStore, id: string): Promise<RestApi> {
  return requireApi(store, id, 'REST');
}

export async function requireStage(
  store: DefinitionStore,
  apiId: string,
  name: string,
): Promise<Stage> {
  const stage = await store.getStage(apiId, name);
  if (!stage)
    throw new AwsNotFoundException(`Invalid stage identifier specified: ${apiId}/${name}`);
  return stage;
}

export async function requireDeployment(
  store: DefinitionStore,
  apiId: string,
  id: string,
): Promise<Deployment> {
  const deployment = await store.getDeployment(apiId, id);
  if (!deployment) {
    throw new AwsNotFoundException(`Invalid deployment identifier specified: ${apiId}/${id}`);
  }
  return deployment;
}

export async function requireDomain(store: DefinitionStore, name: string): Promise<DomainName> {
  const domain = await store.getDomain(name);
  if (!domain) throw new AwsNotFoundException(`Invalid domain name identifier specified: ${name}`);
  return domain;
}

/**
 * The domains whose base path mappings point at a deleted API (or one of its stages), with
 * those mappings removed: written in the same transaction as the deletion.
 */
export function domainsWithoutMappingsTo(
  domains: DomainName[],
  restApiId: string,
  stageName?: string,
): DomainName[] {
  const points = (m: DomainName['basePathMappings'][number]): boolean =>
    m.restApiId === restApiId && (stageName === undefined || m.stage === stageName);
  return domains
    .filter((d) => d.basePathMappings.some(points))
    .map((d) => ({ ...d, basePathMappings: d.basePathMappings.filter((m) => !points(m)) }));
}

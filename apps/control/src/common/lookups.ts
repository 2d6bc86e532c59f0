import type { DefinitionStore, Deployment, DomainName, RestApi, Stage } from '@portico/definitions';
import { AwsNotFoundException } from './aws-errors';

/** Reads that answer AWS's NotFoundException (and its wording) when the thing is missing. */
export async function requireRestApi(store: DefinitionStore, id: string): Promise<RestApi> {
  const api = await store.getRestApi(id);
  if (!api) throw new AwsNotFoundException(`Invalid API identifier specified: ${id}`);
  return api;
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

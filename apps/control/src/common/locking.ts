import type { DefinitionChanges, DefinitionStore, DomainName } from '@portico/definitions';
import { domainsWithoutMappingsTo } from './lookups';

/*
 * Lock scopes (DefinitionStore.withLock) for control's read-check-write sequences:
 * - `api:<id>`: an API and everything under it (deployments, stages). CreateBasePathMapping
 *   also takes it, so while an API's lock is held no new mapping can point at that API.
 * - `domain:<name>`: a domain record and its base path mappings (read-modify-write of one key).
 * - `config-file`: one config-file reconcile at a time across replicas. Inside it the
 *   reconcile also takes the api/domain scopes its plan writes, so it excludes management
 *   writes to the same things without management writes knowing about the config file.
 * Deadlock freedom: a writer takes all its scopes in one all-or-none step; the only nesting
 * is api/config-file held, then domains taken, and nobody holding a domain waits for an api.
 * Slow work (parsing an imported document, loading the config file) runs before locking.
 */
export const apiScope = (restApiId: string): string => `api:${restApiId}`;
export const domainScope = (domainName: string): string => `domain:${domainName.toLowerCase()}`;
export const CONFIG_FILE_SCOPE = 'config-file';

/**
 * Commits `changes` (deleting an API or a stage) together with the base path mappings that
 * point at it removed from their domains. Call it holding the API's lock: the domains it
 * rewrites are locked and re-read here, so a concurrent mapping change on them is not lost.
 */
export async function commitRemovingMappings(
  store: DefinitionStore,
  changes: DefinitionChanges,
  restApiId: string,
  stageName?: string,
): Promise<DomainName[]> {
  const affected = domainsWithoutMappingsTo(await store.listDomains(), restApiId, stageName);
  return store.withLock(
    affected.map((d) => domainScope(d.domainName)),
    async () => {
      const fresh = await Promise.all(affected.map((d) => store.getDomain(d.domainName)));
      const domains = domainsWithoutMappingsTo(
        fresh.filter((d): d is DomainName => d !== undefined),
        restApiId,
        stageName,
      );
      await store.commit({ ...changes, domains });
      return domains;
    },
  );
}

/** The scopes a set of changes writes: the APIs, and domains, and the APIs mappings point at. */
export function scopesOf(changes: DefinitionChanges): string[] {
  const apis = new Set<string>([
    ...(changes.deletedRestApis ?? []),
    ...(changes.restApis ?? []).map((a) => a.id),
    ...(changes.deployments ?? []).map((d) => d.restApiId),
    ...(changes.stages ?? []).map((s) => s.restApiId),
    ...(changes.deletedStages ?? []).map((s) => s.restApiId),
    ...(changes.deletedDeployments ?? []).map((d) => d.restApiId),
    ...(changes.domains ?? []).flatMap((d) => d.basePathMappings.map((m) => m.restApiId)),
  ]);
  const domains = new Set<string>([
    ...(changes.domains ?? []).map((d) => d.domainName.toLowerCase()),
    ...(changes.deletedDomains ?? []).map((n) => n.toLowerCase()),
  ]);
  return [...[...apis].map(apiScope), ...[...domains].map(domainScope)].sort();
}

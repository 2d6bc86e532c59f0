import type { DomainName, RestApi } from '@portico/definitions';
import { apiScope, domainScope, scopesOf } from './locking';

describe('lock scopes', () => {
  it('names an API and a domain (case-insensitively) as their own scopes', () => {
    expect(apiScope('a1')).toBe('api:a1');
    expect(domainScope('API.Example.test')).toBe('domain:api.example.test');
  });

  it('collects every API and domain a set of changes writes, and the APIs mapped to', () => {
    const domain = {
      domainName: 'Shop.example.test',
      basePathMappings: [{ basePath: '(none)', restApiId: 'mapped', stage: 'prod' }],
    } as DomainName;
    const scopes = scopesOf({
      deletedRestApis: ['gone'],
      restApis: [{ id: 'put' } as RestApi],
      deployments: [{ id: 'd1', restApiId: 'deployed', createdDate: 1 } as never],
      stages: [{ restApiId: 'staged', stageName: 's' } as never],
      deletedStages: [{ restApiId: 'unstaged', stageName: 's' }],
      deletedDeployments: [{ restApiId: 'undeployed', deploymentId: 'd0' }],
      domains: [domain],
      deletedDomains: ['Old.example.test'],
    });
    expect(scopes).toEqual([
      'api:deployed',
      'api:gone',
      'api:mapped',
      'api:put',
      'api:staged',
      'api:undeployed',
      'api:unstaged',
      'domain:old.example.test',
      'domain:shop.example.test',
    ]);
  });

  it('has no scopes for no changes', () => {
    expect(scopesOf({})).toEqual([]);
  });
});

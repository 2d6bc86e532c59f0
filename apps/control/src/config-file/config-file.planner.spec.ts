import type { ApiDefinition, Deployment, DomainName, RestApi, Stage } from '@portico/definitions';
import { newRestApi } from '../restapis/rest-api.factory';
import { newStage } from '../stages/stage.factory';
import type { DesiredApi, DesiredState } from './config-file.loader';
import {
  type CurrentState,
  MANAGED_BY_CONFIG_FILE,
  MANAGED_BY_TAG,
  planDeploy,
} from './config-file.planner';

const managed = { [MANAGED_BY_TAG]: MANAGED_BY_CONFIG_FILE };

const definition = (paths: string[]): ApiDefinition => ({
  title: 'T',
  binaryMediaTypes: [],
  apiKeySource: 'HEADER',
  gatewayResponses: {},
  models: {},
  securitySchemes: {},
  extensions: {},
  resources: paths.map((path) => ({
    id: path,
    path,
    pathPart: path.split('/').pop() ?? '',
    methods: {
      GET: {
        httpMethod: 'GET',
        authorizationType: 'NONE',
        apiKeyRequired: false,
        requestParameters: {},
        methodResponses: [],
        raw: {},
        integration: {
          type: 'MOCK',
          timeoutInMillis: 29000,
          requestParameters: {},
          requestTemplates: {},
          passthroughBehavior: 'WHEN_NO_MATCH',
          cacheKeyParameters: [],
          responses: [],
        },
      },
    },
  })),
});

const desiredApi = (
  id: string,
  paths: string[],
  stages: DesiredApi['stages'] = [{ name: 'prod', variables: {} }],
): DesiredApi => ({
  id,
  name: id,
  definition: definition(paths),
  stages,
});

let counter = 0;
const opts = { now: 100, newDeploymentId: () => `d${++counter}`, description: 'from file' };

/** What Redis holds after a plan for `desired` was committed on an empty store. */
function deployed(desired: DesiredState, extra: Partial<CurrentState> = {}): CurrentState {
  const plan = planDeploy(desired, empty(), opts);
  const stages = new Map<string, Stage[]>();
  for (const s of plan.changes.stages ?? [])
    stages.set(s.restApiId, [...(stages.get(s.restApiId) ?? []), s]);
  const deployments = new Map<string, Deployment>(
    (plan.changes.deployments ?? []).map((d) => [`${d.restApiId}/${d.id}`, d]),
  );
  return {
    apis: [...(plan.changes.restApis ?? []), ...(extra.apis ?? [])],
    stages: new Map([...stages, ...(extra.stages ?? new Map())]),
    deployments,
    domains: [...(plan.changes.domains ?? []), ...(extra.domains ?? [])],
  };
}

const empty = (): CurrentState => ({
  apis: [],
  stages: new Map(),
  deployments: new Map(),
  domains: [],
});
const state = (apis: DesiredApi[], domains: DesiredState['domains'] = []): DesiredState => ({
  apis,
  domains,
  warnings: [],
});

describe('planDeploy', () => {
  it('creates tagged APIs, one deployment per API and the stages, and announces the stages', () => {
    const plan = planDeploy(
      state([
        desiredApi(
          'pets',
          ['/a'],
          [
            { name: 'prod', variables: { x: '1' } },
            { name: 'dev', variables: {} },
          ],
        ),
      ]),
      empty(),
      opts,
    );
    expect(plan.changes.restApis).toHaveLength(1);
    expect(plan.changes.restApis![0]!.tags).toEqual(managed);
    expect(plan.changes.deployments).toHaveLength(1);
    const deploymentId = plan.changes.deployments![0]!.id;
    expect(plan.changes.stages!.map((s) => [s.stageName, s.deploymentId, s.variables])).toEqual([
      ['prod', deploymentId, { x: '1' }],
      ['dev', deploymentId, {}],
    ]);
    expect(plan.events.stages).toEqual([
      { restApiId: 'pets', stageName: 'prod', change: 'updated' },
      { restApiId: 'pets', stageName: 'dev', change: 'updated' },
    ]);
    expect(plan.unchanged).toBe(false);
  });

  it('changes nothing and announces nothing when the file matches what is deployed', () => {
    const desired = state(
      [desiredApi('pets', ['/a']), desiredApi('orders', ['/o'])],
      [
        {
          domainName: 'api.test',
          basePathMappings: [
            { basePath: '(none)', restApiId: 'pets', stage: 'prod', external: false },
          ],
        },
      ],
    );
    const plan = planDeploy(desired, deployed(desired), opts);
    expect(plan.unchanged).toBe(true);
    expect(plan.events).toEqual({ stages: [], domains: [] });
  });

  it('redeploys only the API whose definition changed', () => {
    const before = state([desiredApi('pets', ['/a']), desiredApi('orders', ['/o'])]);
    const current = deployed(before);
    const plan = planDeploy(
      state([desiredApi('pets', ['/a', '/b']), desiredApi('orders', ['/o'])]),
      current,
      opts,
    );
    expect(plan.changes.deployments!.map((d) => d.restApiId)).toEqual(['pets']);
    expect(plan.changes.restApis!.map((a) => a.id)).toEqual(['pets']);
    expect(plan.events.stages).toEqual([
      { restApiId: 'pets', stageName: 'prod', change: 'updated' },
    ]);
  });

  it('updates a stage whose variables changed without a new deployment', () => {
    const current = deployed(state([desiredApi('pets', ['/a'])]));
    const plan = planDeploy(
      state([desiredApi('pets', ['/a'], [{ name: 'prod', variables: { x: '2' } }])]),
      current,
      opts,
    );
    expect(plan.changes.deployments).toEqual([]);
    expect(plan.changes.stages).toMatchObject([
      { stageName: 'prod', variables: { x: '2' }, lastUpdatedDate: 100 },
    ]);
  });

  it('deletes managed APIs and stages the file no longer names, and unmaps them', () => {
    const manual: RestApi = newRestApi({
      id: 'manual',
      name: 'm',
      definition: definition(['/m']),
      createdDate: 1,
    });
    const manualDomain: DomainName = {
      domainName: 'manual.test',
      endpointConfiguration: { types: ['EDGE'] },
      securityPolicy: 'TLS_1_2',
      domainNameStatus: 'AVAILABLE',
      createdDate: 1,
      tags: {},
      basePathMappings: [
        { basePath: '(none)', restApiId: 'orders', stage: 'prod' },
        { basePath: 'dev', restApiId: 'pets', stage: 'dev' },
        { basePath: 'm', restApiId: 'manual', stage: 'prod' },
      ],
    };
    const current = deployed(
      state([
        desiredApi(
          'pets',
          ['/a'],
          [
            { name: 'prod', variables: {} },
            { name: 'dev', variables: {} },
          ],
        ),
        desiredApi('orders', ['/o']),
      ]),
      {
        apis: [manual],
        stages: new Map([
          ['manual', [newStage({ restApiId: 'manual', stageName: 'prod', deploymentId: 'x' }, 1)]],
        ]),
        domains: [manualDomain],
      },
    );
    const plan = planDeploy(state([desiredApi('pets', ['/a'])]), current, opts);
    expect(plan.changes.deletedRestApis).toEqual(['orders']);
    expect(plan.changes.deletedStages).toEqual([{ restApiId: 'pets', stageName: 'dev' }]);
    expect(plan.changes.domains).toEqual([
      { ...manualDomain, basePathMappings: [manualDomain.basePathMappings[2]] },
    ]);
    expect(plan.events.stages).toEqual(
      expect.arrayContaining([
        { restApiId: 'orders', stageName: 'prod', change: 'deleted' },
        { restApiId: 'pets', stageName: 'dev', change: 'deleted' },
      ]),
    );
    expect(plan.events.domains).toEqual([{ domainName: 'manual.test', change: 'updated' }]);
    expect(plan.changes.restApis).toEqual([]);
  });

  it('refuses to take over an API or a domain created through the management API', () => {
    const manual = newRestApi({
      id: 'pets',
      name: 'm',
      definition: definition(['/m']),
      createdDate: 1,
    });
    expect(() =>
      planDeploy(state([desiredApi('pets', ['/a'])]), { ...empty(), apis: [manual] }, opts),
    ).toThrow(/restApis\[0\]\.id "pets" belongs to a REST API created through the management API/);
    const domain = {
      ...deployed(state([], [{ domainName: 'a.test', basePathMappings: [] }])).domains[0]!,
      tags: {},
    };
    expect(() =>
      planDeploy(
        state([], [{ domainName: 'a.test', basePathMappings: [] }]),
        { ...empty(), domains: [domain] },
        opts,
      ),
    ).toThrow(/domainNames\[0\]\.domainName "a.test" was created through the management API/);
  });

  it('checks mappings to APIs outside the file against what exists', () => {
    const desired = state(
      [],
      [
        {
          domainName: 'a.test',
          basePathMappings: [
            { basePath: '(none)', restApiId: 'ghost', stage: 'prod', external: true },
          ],
        },
      ],
    );
    expect(() => planDeploy(desired, empty(), opts)).toThrow(
      /restApi "ghost" is neither in the file nor an existing REST API id/,
    );
  });

  it('refuses to deploy stages of a definition without methods', () => {
    const api = { ...desiredApi('pets', []), definition: { ...definition([]), resources: [] } };
    expect(() => planDeploy(state([api]), empty(), opts)).toThrow(/has no methods/);
  });
});

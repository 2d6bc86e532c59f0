import type Redis from 'ioredis';
import type { Deployment, DomainName, RestApi, Stage } from '../model/api-definition';
import type { DefinitionStore } from './definition-store';
import { useStoreOnRealRedis } from './store.fixture';

const definition = (title: string): RestApi['definition'] => ({
  title,
  binaryMediaTypes: [],
  apiKeySource: 'HEADER',
  gatewayResponses: {},
  resources: [{ id: 'root', pathPart: '', path: '/', methods: {} }],
  models: {},
  securitySchemes: {},
  extensions: {},
});

const api = (id: string): RestApi => ({
  id,
  name: id,
  createdDate: 1,
  binaryMediaTypes: [],
  apiKeySource: 'HEADER',
  endpointConfiguration: { types: ['EDGE'] },
  disableExecuteApiEndpoint: false,
  tags: {},
  definition: definition(id),
});

const deployment = (restApiId: string, id: string, createdDate = 1): Deployment => ({
  id,
  restApiId,
  createdDate,
  definition: definition(`${restApiId}@${id}`),
});

const stage = (restApiId: string, stageName: string, deploymentId: string): Stage => ({
  restApiId,
  stageName,
  deploymentId,
  variables: {},
  methodSettings: {},
  cacheClusterEnabled: false,
  tracingEnabled: false,
  createdDate: 1,
  lastUpdatedDate: 1,
  tags: {},
});

const domain = (domainName: string, restApiId: string, stageName: string): DomainName => ({
  domainName,
  endpointConfiguration: { types: ['REGIONAL'] },
  securityPolicy: 'TLS_1_2',
  domainNameStatus: 'AVAILABLE',
  createdDate: 1,
  tags: {},
  basePathMappings: [{ basePath: '(none)', restApiId, stage: stageName }],
});

/** The store against a real Redis: what one write puts there, the next read must see. */
describe('DefinitionStore', () => {
  const t = useStoreOnRealRedis();
  let store: DefinitionStore;
  let redis: Redis;
  beforeEach(() => ({ store, redis } = t));

  const keys = () => redis.keys(`${t.prefix}*`);
  /** Every served stage with its deployment, as an edge's first load reads them. */
  const activeStages = async () => store.withDeployments(await store.listStageHeads());

  it('reads back what single-operation writes stored, with the stage a deployment repoints', async () => {
    await store.putRestApi(api('a'));
    await store.putDeployment(deployment('a', 'd1', 1));
    await store.putDeployment(deployment('a', 'd2', 2), [stage('a', 'prod', 'd2')]);
    await store.putDomain(domain('API.Example.test', 'a', 'prod'));

    expect((await store.listRestApis()).map((x) => x.id)).toEqual(['a']);
    expect((await store.listDeployments('a')).map((d) => d.id)).toEqual(['d2', 'd1']);
    expect(await store.getStage('a', 'prod')).toMatchObject({ deploymentId: 'd2' });
    const active = await store.getActiveStage('a', 'prod');
    expect(active?.deployment.definition.title).toBe('a@d2');
    expect(active?.api.id).toBe('a');
    expect((await activeStages()).map((s) => s.stage.stageName)).toEqual(['prod']);
    expect(await store.getDomain('api.example.TEST')).toMatchObject({
      domainName: 'API.Example.test',
    });
  });

  it('deletes an API with every stage and deployment it had, leaving other APIs', async () => {
    await store.commit({
      restApis: [api('a'), api('b')],
      deployments: [deployment('a', 'd1'), deployment('b', 'd9')],
      stages: [stage('a', 'prod', 'd1'), stage('a', 'dev', 'd1'), stage('b', 'prod', 'd9')],
    });
    await store.deleteRestApi('a');

    expect(await store.getRestApi('a')).toBeUndefined();
    expect(await store.listStages('a')).toEqual([]);
    expect(await store.listDeployments('a')).toEqual([]);
    expect(await store.getDeployment('a', 'd1')).toBeUndefined();
    expect((await keys()).filter((k) => /:a(:|$)/.test(k))).toEqual([]);
    expect((await activeStages()).map((s) => `${s.api.id}/${s.stage.stageName}`)).toEqual([
      'b/prod',
    ]);
  });

  it('applies deletions before writes in one commit, so an API can be replaced whole', async () => {
    await store.commit({
      restApis: [api('a')],
      deployments: [deployment('a', 'old')],
      stages: [stage('a', 'prod', 'old'), stage('a', 'gone', 'old')],
      domains: [domain('x.test', 'a', 'gone')],
    });
    await store.commit({
      deletedRestApis: ['a'],
      deletedDomains: ['X.TEST'],
      restApis: [api('a')],
      deployments: [deployment('a', 'new')],
      stages: [stage('a', 'prod', 'new')],
    });

    expect((await store.listStages('a')).map((s) => s.stageName)).toEqual(['prod']);
    expect((await store.listDeployments('a')).map((d) => d.id)).toEqual(['new']);
    expect(await store.listDomains()).toEqual([]);
    expect(await store.getActiveStage('a', 'prod')).toMatchObject({
      deployment: { id: 'new' },
    });
  });

  it('removes a stage and a domain from their indexes, not only their keys', async () => {
    await store.commit({
      restApis: [api('a')],
      deployments: [deployment('a', 'd1')],
      stages: [stage('a', 'prod', 'd1'), stage('a', 'dev', 'd1')],
      domains: [domain('x.test', 'a', 'prod')],
    });
    await store.deleteStage('a', 'dev');
    await store.deleteDomain('X.test');

    expect((await store.listStages('a')).map((s) => s.stageName)).toEqual(['prod']);
    expect(await redis.smembers(`${t.prefix}{defs}:stages:a`)).toEqual(['prod']);
    expect(await store.listDomains()).toEqual([]);
    expect(await redis.scard(`${t.prefix}{defs}:domains`)).toBe(0);
  });

  it('deletes a deployment from its key and the API index in a commit, moving the revision', async () => {
    await store.commit({
      restApis: [api('a')],
      deployments: [deployment('a', 'd1', 1), deployment('a', 'd2', 2), deployment('a', 'd3', 3)],
      stages: [stage('a', 'prod', 'd2')],
    });
    const before = await store.getRevision();
    await store.commit({
      deletedDeployments: [{ restApiId: 'a', deploymentId: 'd1' }],
      stages: [stage('a', 'dev', 'd3')],
    });
    await store.deleteDeployment('a', 'd3');

    expect(await store.getDeployment('a', 'd1')).toBeUndefined();
    expect(await store.getDeployment('a', 'd3')).toBeUndefined();
    expect((await store.listDeployments('a')).map((d) => d.id)).toEqual(['d2']);
    expect(await redis.zrange(`${t.prefix}{defs}:deployments:a`, 0, -1)).toEqual(['d2']);
    expect(await store.getRevision()).not.toBe(before);
    // What still points at a deployment is served as before; what points at a deleted one is not.
    expect((await activeStages()).map((s) => `${s.stage.stageName}@${s.deployment.id}`)).toEqual([
      'prod@d2',
    ]);
    await store.deleteRestApi('a');
    expect((await keys()).filter((k) => /:a(:|$)/.test(k))).toEqual([]);
  });

  it('keeps a stage without a deployment, but never lists or serves it', async () => {
    const undeployed: Stage = { ...stage('a', 'later', 'unused'), deploymentId: undefined };
    await store.commit({
      restApis: [api('a')],
      deployments: [deployment('a', 'd1')],
      stages: [undeployed, stage('a', 'prod', 'd1')],
    });

    expect(await store.getStage('a', 'later')).toMatchObject({ stageName: 'later' });
    expect(await store.getStage('a', 'later')).not.toHaveProperty('deploymentId');
    expect(await store.getActiveStage('a', 'later')).toBeUndefined();
    expect((await store.listStageHeads()).map((h) => h.stage.stageName)).toEqual(['prod']);
    const heads = [{ api: api('a'), stage: undeployed }];
    expect(await store.withDeployments(heads)).toEqual([]);

    await store.putStage({ ...undeployed, deploymentId: 'd1' });
    expect(await store.getActiveStage('a', 'later')).toMatchObject({ deployment: { id: 'd1' } });
    expect((await store.listStageHeads()).map((h) => h.stage.stageName).sort()).toEqual([
      'later',
      'prod',
    ]);
  });

  it('does not serve a stage whose deployment is missing', async () => {
    await store.commit({ restApis: [api('a')], stages: [stage('a', 'prod', 'nowhere')] });
    expect(await store.getActiveStage('a', 'prod')).toBeUndefined();
    expect(await activeStages()).toEqual([]);
  });

  it('lists every served stage of every API with the deployment that stage points at', async () => {
    await store.commit({
      restApis: [api('a'), api('b')],
      deployments: [deployment('a', 'd1'), deployment('a', 'd2'), deployment('b', 'd9')],
      stages: [stage('a', 'prod', 'd2'), stage('a', 'dev', 'd1'), stage('b', 'prod', 'd9')],
    });
    const listed = (await activeStages()).map(
      (s) => `${s.api.id}/${s.stage.stageName}@${s.deployment.id}`,
    );
    expect(listed.sort()).toEqual(['a/dev@d1', 'a/prod@d2', 'b/prod@d9']);
  });

  it('lists stage heads without deployments, and reads the deployments of the heads it is given', async () => {
    await store.commit({
      restApis: [api('a'), api('b')],
      deployments: [deployment('a', 'd1'), deployment('b', 'd9')],
      stages: [stage('a', 'prod', 'd1'), stage('b', 'prod', 'd9'), stage('b', 'dev', 'gone')],
    });
    const heads = await store.listStageHeads();
    expect(heads.map((h) => `${h.api.id}/${h.stage.stageName}`).sort()).toEqual([
      'a/prod',
      'b/dev',
      'b/prod',
    ]);
    // API settings only: the definition (the large part) stays behind.
    expect(heads[0]).not.toHaveProperty('api.definition');
    expect(heads[0]).not.toHaveProperty('deployment');
    const some = await store.withDeployments(heads.filter((h) => h.api.id === 'b'));
    expect(some.map((a) => `${a.stage.stageName}@${a.deployment.definition.title}`)).toEqual([
      'prod@b@d9',
    ]);
  });

  it('moves its revision with every commit, to a value never seen before', async () => {
    expect(await store.getRevision()).toBeUndefined();
    await store.putRestApi(api('a'));
    const first = await store.getRevision();
    expect(first).toEqual(expect.any(String));
    expect(await store.getRevision()).toBe(first);
    await store.putStage(stage('a', 'prod', 'd1'));
    const second = await store.getRevision();
    await store.deleteStage('a', 'prod');
    const third = await store.getRevision();
    expect(new Set([first, second, third]).size).toBe(3);
    // Redis applies the rest of a MULTI one command of which failed: the revision moves too,
    // so edges look at what did get written.
    await redis.set(`${t.prefix}{defs}:restapis`, 'not a set');
    await expect(store.putRestApi(api('b'))).rejects.toThrow(/WRONGTYPE/);
    expect(await store.getRevision()).not.toBe(third);
  });

  it('fails a commit whose EXEC reports an error instead of passing it as written', async () => {
    // A key of the wrong type makes SADD fail inside EXEC.
    await redis.set(`${t.prefix}{defs}:restapis`, 'not a set');
    await expect(store.putRestApi(api('a'))).rejects.toThrow(/WRONGTYPE/);
  });
});

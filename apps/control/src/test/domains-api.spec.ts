import {
  type APIGatewayClient,
  BadRequestException,
  ConflictException,
  CreateBasePathMappingCommand,
  CreateDeploymentCommand,
  CreateDomainNameCommand,
  CreateStageCommand,
  DeleteBasePathMappingCommand,
  DeleteDomainNameCommand,
  DeleteRestApiCommand,
  DeleteStageCommand,
  GetBasePathMappingCommand,
  GetBasePathMappingsCommand,
  GetDomainNameCommand,
  GetDomainNamesCommand,
  GetRestApiCommand,
  GetStageCommand,
  GetStagesCommand,
  ImportRestApiCommand,
  NotFoundException,
} from '@aws-sdk/client-api-gateway';
import { CONTROL_DOMAIN_CHANGED, CONTROL_STAGE_CHANGED } from '@portico/contracts';
import { eventually } from '@portico/testing';
import { type ControlUnderTest, fixture, seen, startControlUnderTest } from './control-harness';

const DOMAIN = 'api.example.test';

describe('domain names, base path mappings and cascading deletes (AWS SDK)', () => {
  let t: ControlUnderTest;
  let sdk: APIGatewayClient;
  let petsId: string;

  beforeAll(async () => {
    t = await startControlUnderTest();
    sdk = t.sdk;
    petsId = (await sdk.send(new ImportRestApiCommand({ body: fixture('pets-api.yaml') }))).id!;
    const { id: deploymentId } = await sdk.send(
      new CreateDeploymentCommand({ restApiId: petsId, stageName: 'prod' }),
    );
    await sdk.send(
      new CreateStageCommand({ restApiId: petsId, stageName: 'beta', deploymentId: deploymentId! }),
    );
  });

  afterAll(async () => {
    await t?.close();
  });

  const saw = (subject: string, data: Record<string, unknown>, from = 0) =>
    t.recorder.events.slice(from).some(seen(subject, data));

  it('creates, lists and gets domain names, and refuses a duplicate', async () => {
    const created = await sdk.send(
      new CreateDomainNameCommand({
        domainName: 'API.Example.test',
        endpointConfiguration: { types: ['REGIONAL'] },
      }),
    );
    expect(created).toMatchObject({
      domainName: DOMAIN,
      domainNameStatus: 'AVAILABLE',
      endpointConfiguration: { types: ['REGIONAL'] },
    });
    await expect(
      sdk.send(new CreateDomainNameCommand({ domainName: DOMAIN })),
    ).rejects.toBeInstanceOf(ConflictException);
    await expect(
      sdk.send(new CreateDomainNameCommand({ domainName: 'not a host' })),
    ).rejects.toBeInstanceOf(BadRequestException);
    const list = await sdk.send(new GetDomainNamesCommand({}));
    expect(list.items!.map((d) => d.domainName)).toEqual([DOMAIN]);
    expect((await sdk.send(new GetDomainNameCommand({ domainName: DOMAIN }))).domainName).toBe(
      DOMAIN,
    );
    await eventually(() => expect(saw(CONTROL_DOMAIN_CHANGED, { domainName: DOMAIN })).toBe(true));
  });

  it('maps base paths, refuses duplicates and unknown APIs or stages, and unmaps', async () => {
    const root = await sdk.send(
      new CreateBasePathMappingCommand({ domainName: DOMAIN, restApiId: petsId, stage: 'prod' }),
    );
    expect(root).toMatchObject({ basePath: '(none)', restApiId: petsId, stage: 'prod' });
    await sdk.send(
      new CreateBasePathMappingCommand({
        domainName: DOMAIN,
        basePath: 'v1',
        restApiId: petsId,
        stage: 'beta',
      }),
    );
    const mapping = (basePath: string, restApiId: string, stage: string, domainName = DOMAIN) =>
      sdk.send(new CreateBasePathMappingCommand({ domainName, basePath, restApiId, stage }));
    await expect(mapping('(none)', petsId, 'beta')).rejects.toBeInstanceOf(ConflictException);
    await expect(mapping('v2', 'nope', 'prod')).rejects.toBeInstanceOf(BadRequestException);
    await expect(mapping('v2', petsId, 'nope')).rejects.toBeInstanceOf(BadRequestException);
    await expect(mapping('v2', petsId, 'prod', 'other.example.test')).rejects.toBeInstanceOf(
      NotFoundException,
    );

    const mappings = await sdk.send(new GetBasePathMappingsCommand({ domainName: DOMAIN }));
    expect(mappings.items!.map((m) => `${m.basePath}->${m.stage}`)).toEqual([
      '(none)->prod',
      'v1->beta',
    ]);
    const v1 = await sdk.send(
      new GetBasePathMappingCommand({ domainName: DOMAIN, basePath: 'v1' }),
    );
    expect(v1.stage).toBe('beta');

    const before = t.recorder.events.length;
    await sdk.send(new DeleteBasePathMappingCommand({ domainName: DOMAIN, basePath: 'v1' }));
    await expect(
      sdk.send(new GetBasePathMappingCommand({ domainName: DOMAIN, basePath: 'v1' })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await eventually(() =>
      expect(saw(CONTROL_DOMAIN_CHANGED, { domainName: DOMAIN, change: 'updated' }, before)).toBe(
        true,
      ),
    );
  });

  it('deletes a domain name and announces it', async () => {
    await sdk.send(new CreateDomainNameCommand({ domainName: 'gone.example.test' }));
    await sdk.send(new DeleteDomainNameCommand({ domainName: 'gone.example.test' }));
    await expect(
      sdk.send(new GetDomainNameCommand({ domainName: 'gone.example.test' })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await eventually(() =>
      expect(
        saw(CONTROL_DOMAIN_CHANGED, { domainName: 'gone.example.test', change: 'deleted' }),
      ).toBe(true),
    );
  });

  it('DeleteStage removes the stage and its base path mappings, and announces both', async () => {
    await sdk.send(
      new CreateBasePathMappingCommand({
        domainName: DOMAIN,
        basePath: 'beta',
        restApiId: petsId,
        stage: 'beta',
      }),
    );
    const before = t.recorder.events.length;
    await sdk.send(new DeleteStageCommand({ restApiId: petsId, stageName: 'beta' }));
    await expect(
      sdk.send(new GetStageCommand({ restApiId: petsId, stageName: 'beta' })),
    ).rejects.toBeInstanceOf(NotFoundException);
    const mappings = await sdk.send(new GetBasePathMappingsCommand({ domainName: DOMAIN }));
    expect(mappings.items!.map((m) => m.basePath)).toEqual(['(none)']);
    await eventually(() => {
      const stage = { restApiId: petsId, stageName: 'beta', change: 'deleted' };
      expect(saw(CONTROL_STAGE_CHANGED, stage, before)).toBe(true);
      expect(saw(CONTROL_DOMAIN_CHANGED, { domainName: DOMAIN }, before)).toBe(true);
    });
  });

  it('DeleteRestApi removes its stages and mappings and announces them', async () => {
    const before = t.recorder.events.length;
    await sdk.send(new DeleteRestApiCommand({ restApiId: petsId }));
    await expect(sdk.send(new GetRestApiCommand({ restApiId: petsId }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(sdk.send(new GetStagesCommand({ restApiId: petsId }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    const mappings = await sdk.send(new GetBasePathMappingsCommand({ domainName: DOMAIN }));
    expect(mappings.items ?? []).toEqual([]);
    await eventually(() => {
      const stage = { restApiId: petsId, stageName: 'prod', change: 'deleted' };
      expect(saw(CONTROL_STAGE_CHANGED, stage, before)).toBe(true);
      expect(saw(CONTROL_DOMAIN_CHANGED, { domainName: DOMAIN }, before)).toBe(true);
    });
    await expect(sdk.send(new DeleteRestApiCommand({ restApiId: petsId }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });
});

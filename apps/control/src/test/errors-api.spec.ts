import {
  type APIGatewayClient,
  BadRequestException,
  CreateDeploymentCommand,
  CreateDomainNameCommand,
  GetDomainNameCommand,
  GetStageCommand,
  GetDeploymentCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  GetStagesCommand,
  ImportRestApiCommand,
  NotFoundException,
  PutRestApiCommand,
} from '@aws-sdk/client-api-gateway';
import { type ControlUnderTest, fixture, startControlUnderTest } from './control-harness';

describe('bad input answered with AWS errors', () => {
  let t: ControlUnderTest;
  let sdk: APIGatewayClient;

  beforeAll(async () => {
    t = await startControlUnderTest();
    sdk = t.sdk;
  });

  afterAll(async () => {
    await t?.close();
  });

  const countApis = async () =>
    (await sdk.send(new GetRestApisCommand({ limit: 500 }))).items?.length ?? 0;

  it('answers an invalid OpenAPI document with BadRequestException and writes nothing', async () => {
    const before = await countApis();
    await expect(
      sdk.send(
        new ImportRestApiCommand({
          body: Buffer.from('openapi: 3.0.1\ninfo: {}\npaths:\n  /x: 12\n'),
        }),
      ),
    ).rejects.toBeInstanceOf(BadRequestException);
    await expect(
      sdk.send(new ImportRestApiCommand({ body: Buffer.from('this: [is not: valid') })),
    ).rejects.toBeInstanceOf(BadRequestException);
    expect(await countApis()).toBe(before);
  });

  it('answers an unsupported integration type with BadRequestException naming it', async () => {
    const doc = fixture('pets-api.yaml').toString().replace('type: mock', 'type: aws');
    const attempt = sdk.send(new ImportRestApiCommand({ body: Buffer.from(doc) }));
    await expect(attempt).rejects.toBeInstanceOf(BadRequestException);
    await expect(attempt).rejects.toThrow(/Unsupported integration type/);
    expect(await countApis()).toBe(0);
  });

  it('answers unknown ids with NotFoundException', async () => {
    await expect(sdk.send(new GetRestApiCommand({ restApiId: 'nope' }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(
      sdk.send(new PutRestApiCommand({ restApiId: 'nope', body: fixture('orders-api.json') })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      sdk.send(new CreateDeploymentCommand({ restApiId: 'nope', stageName: 'prod' })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      sdk.send(new GetDeploymentCommand({ restApiId: 'nope', deploymentId: 'x' })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('answers AWS error shapes on the wire: header, status and message', async () => {
    const res = await fetch(t.url('/restapis/nope'));
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('NotFoundException');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ message: 'Invalid API identifier specified: nope' });

    const unknown = await fetch(t.url('/vpclinks'));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect((await unknown.json()) as unknown).toEqual({
      message: expect.stringContaining('GET /vpclinks'),
    });
  });

  it('answers a body that is not JSON, or of the wrong shape, with BadRequestException', async () => {
    const api = await sdk.send(new ImportRestApiCommand({ body: fixture('orders-api.json') }));
    const res = await fetch(t.url(`/restapis/${api.id}/deployments`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"stageName": ',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(((await res.json()) as { message: string }).message).toMatch(/not valid JSON/);

    const wrongType = await fetch(t.url(`/restapis/${api.id}/stages`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stageName: 'x', deploymentId: 12 }),
    });
    expect(wrongType.status).toBe(400);
    expect(((await wrongType.json()) as { message: string }).message).toMatch(/deploymentId/);
  });

  it('refuses to deploy an API without methods', async () => {
    const empty = await sdk.send(
      new ImportRestApiCommand({
        body: Buffer.from('{"openapi":"3.0.1","info":{"title":"Empty","version":"1"},"paths":{}}'),
      }),
    );
    const attempt = sdk.send(
      new CreateDeploymentCommand({ restApiId: empty.id!, stageName: 'prod' }),
    );
    await expect(attempt).rejects.toBeInstanceOf(BadRequestException);
    await expect(attempt).rejects.toThrow(/doesn't contain any methods/);
    await expect(sdk.send(new GetStagesCommand({ restApiId: empty.id! }))).resolves.toMatchObject({
      item: [],
    });
  });

  it('answers a path that is not valid percent-encoding in AWS shape', async () => {
    const res = await fetch(t.url('/restapis/%E0%A4%A/stages/%ZZ'));
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await res.json()) as { message: string }).message).toMatch(/not a valid url/);
  });

  it('routes names as long as AWS allows them (stage 128, domain 253 characters)', async () => {
    const api = await sdk.send(new ImportRestApiCommand({ body: fixture('orders-api.json') }));
    const stageName = 's'.repeat(128);
    await sdk.send(new CreateDeploymentCommand({ restApiId: api.id!, stageName }));
    expect((await sdk.send(new GetStageCommand({ restApiId: api.id!, stageName }))).stageName).toBe(
      stageName,
    );
    const domainName = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(domainName).toHaveLength(253);
    await sdk.send(new CreateDomainNameCommand({ domainName }));
    expect((await sdk.send(new GetDomainNameCommand({ domainName }))).domainName).toBe(domainName);
  });

  it('answers a body over 6 MB with 413 in AWS shape and imports nothing', async () => {
    const before = await countApis();
    const res = await fetch(t.url('/restapis?mode=import'), {
      method: 'POST',
      body: Buffer.alloc(6 * 1024 * 1024 + 1, ' '),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(await countApis()).toBe(before);
  });

  it('answers a definition nested thousands of levels deep with BadRequestException', async () => {
    const before = await countApis();
    const deep = `{"openapi":"3.0.1","info":{"title":"Deep","version":"1"},"paths":{},"x-deep":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    const attempt = sdk.send(new ImportRestApiCommand({ body: Buffer.from(deep) }));
    await expect(attempt).rejects.toBeInstanceOf(BadRequestException);
    await expect(attempt).rejects.toThrow(/more than 1000 brackets deep/);
    expect(await countApis()).toBe(before);
  });

  it('refuses POST /restapis without mode=import (CreateRestApi)', async () => {
    const res = await fetch(t.url('/restapis'), { method: 'POST', body: '{"name":"x"}' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(((await res.json()) as { message: string }).message).toMatch(/mode=import/);
  });
});

import {
  type APIGatewayClient,
  BadRequestException,
  CreateDeploymentCommand,
  GetExportCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  ImportRestApiCommand,
  NotFoundException,
  type PatchOperation,
  UpdateRestApiCommand,
} from '@aws-sdk/client-api-gateway';
import { type ControlUnderTest, startControlUnderTest } from './control-harness';

/** A resource policy with every kind of thing the gateway evaluates. */
const POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: '*',
      Action: 'execute-api:Invoke',
      Resource: 'execute-api:/*',
    },
    {
      Effect: 'Deny',
      Principal: '*',
      Action: 'execute-api:Invoke',
      Resource: 'execute-api:/*/POST/admin/*',
      Condition: { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } },
    },
    {
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: 'execute-api:Invoke',
      Resource: 'execute-api:/prod/GET/pets',
      Condition: { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:user/ops-*' } },
    },
  ],
};

/** AWS's form of RestApi.policy: compact JSON with `"` and `/` backslash-escaped. */
const awsEscaped = (doc: unknown): string =>
  JSON.stringify(JSON.stringify(doc)).slice(1, -1).replace(/\//g, '\\/');

/** What a client does with RestApi.policy: unescape it (as Terraform does), then parse it. */
const unescapePolicy = (text: string): unknown => JSON.parse(JSON.parse(`"${text}"`) as string);

const document = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    openapi: '3.0.1',
    info: { title: 'Policy Pets', version: '1' },
    paths: {
      '/pets': {
        get: {
          responses: { '200': { description: 'OK' } },
          'x-amazon-apigateway-integration': {
            type: 'mock',
            requestTemplates: { 'application/json': '{"statusCode": 200}' },
            responses: { default: { statusCode: '200' } },
          },
        },
      },
    },
    ...extra,
  });

describe('UpdateRestApi and RestApi.policy (AWS SDK)', () => {
  let t: ControlUnderTest;
  let sdk: APIGatewayClient;
  let id: string;

  beforeAll(async () => {
    t = await startControlUnderTest();
    sdk = t.sdk;
  });

  afterAll(async () => {
    await t?.close();
  });

  const update = (...patchOperations: PatchOperation[]) =>
    sdk.send(new UpdateRestApiCommand({ restApiId: id, patchOperations }));

  /** The error an update fails with (and a failed test when it succeeds). */
  const updateError = (...patchOperations: PatchOperation[]): Promise<unknown> =>
    update(...patchOperations).then(
      () => {
        throw new Error('UpdateRestApi succeeded but should have failed');
      },
      (err: unknown) => err,
    );

  const exportedPolicy = async (): Promise<unknown> => {
    const out = await sdk.send(
      new GetExportCommand({
        restApiId: id,
        stageName: 'prod',
        exportType: 'oas30',
        accepts: 'application/json',
        parameters: { extensions: 'apigateway' },
      }),
    );
    const doc = JSON.parse(new TextDecoder().decode(out.body)) as Record<string, unknown>;
    return doc['x-amazon-apigateway-policy'];
  };

  it('answers ImportRestApi, GetRestApi and GetRestApis with the imported policy, escaped as AWS does', async () => {
    const imported = await sdk.send(
      new ImportRestApiCommand({ body: document({ 'x-amazon-apigateway-policy': POLICY }) }),
    );
    id = imported.id!;
    expect(imported.policy).toBe(awsEscaped(POLICY));
    expect(imported.policy).toContain('10.0.0.0\\/8');
    expect(unescapePolicy(imported.policy!)).toEqual(POLICY);
    expect((await sdk.send(new GetRestApiCommand({ restApiId: id }))).policy).toBe(imported.policy);
    const listed = await sdk.send(new GetRestApisCommand({}));
    expect(listed.items!.find((a) => a.id === id)!.policy).toBe(imported.policy);
    await sdk.send(new CreateDeploymentCommand({ restApiId: id, stageName: 'prod' }));
  });

  it('refuses to import a policy on a condition key the gateway is not given', async () => {
    const policy = {
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 'execute-api:Invoke',
          Resource: 'execute-api:/*',
          Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } },
        },
      ],
    };
    const err = await sdk
      .send(new ImportRestApiCommand({ body: document({ 'x-amazon-apigateway-policy': policy }) }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestException);
    expect((err as Error).message).toBe(
      'Invalid x-amazon-apigateway-policy: Condition key aws:SourceVpce is not one this gateway evaluates',
    );
  });

  it('replaces the policy from JSON text; the stage serves it after the next deployment', async () => {
    const next = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 'execute-api:Invoke',
          Resource: 'execute-api:/*',
          Condition: { IpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '2001:db8::/32'] } },
        },
      ],
    };
    const updated = await update({
      op: 'replace',
      path: '/policy',
      value: JSON.stringify(next, null, 2),
    });
    expect(updated.policy).toBe(awsEscaped(next));
    expect((await sdk.send(new GetRestApiCommand({ restApiId: id }))).policy).toBe(
      awsEscaped(next),
    );
    // The stage still serves the deployment taken before the change, as on AWS.
    expect(await exportedPolicy()).toEqual(POLICY);
    await sdk.send(new CreateDeploymentCommand({ restApiId: id, stageName: 'prod' }));
    expect(await exportedPolicy()).toEqual(next);
  });

  it('takes back the escaped policy GetRestApi answers', async () => {
    const read = (await sdk.send(new GetRestApiCommand({ restApiId: id }))).policy!;
    await update({ op: 'replace', path: '/policy', value: awsEscaped(POLICY) });
    const after = (await sdk.send(new GetRestApiCommand({ restApiId: id }))).policy!;
    expect(after).not.toBe(read);
    expect(unescapePolicy(after)).toEqual(POLICY);
  });

  it('refuses a policy the gateway cannot evaluate with 400 and the reason, changing nothing', async () => {
    const before = await sdk.send(new GetRestApiCommand({ restApiId: id }));
    const vpce = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'execute-api:Invoke',
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } },
        },
      ],
    });
    const err = await updateError(
      { op: 'replace', path: '/name', value: 'Renamed first' },
      { op: 'replace', path: '/policy', value: vpce },
    );
    expect(err).toBeInstanceOf(BadRequestException);
    expect((err as BadRequestException).$metadata.httpStatusCode).toBe(400);
    expect((err as Error).message).toBe(
      'Condition key aws:SourceVpce is not one this gateway evaluates',
    );
    const notJson = await updateError({ op: 'replace', path: '/policy', value: '{"Statement":' });
    expect((notJson as Error).message).toBe('The policy is not valid JSON');
    const badCidr = await updateError({
      op: 'replace',
      path: '/policy',
      value: JSON.stringify({
        Statement: {
          Effect: 'Deny',
          Principal: '*',
          Action: 'execute-api:Invoke',
          Resource: '*',
          Condition: { IpAddress: { 'aws:SourceIp': '300.0.0.0/8' } },
        },
      }),
    });
    expect((badCidr as Error).message).toBe('"300.0.0.0/8" is not an IP address or CIDR range');
    const after = await sdk.send(new GetRestApiCommand({ restApiId: id }));
    expect(after.name).toBe(before.name);
    expect(after.policy).toBe(before.policy);
  });

  it('removes the policy', async () => {
    const updated = await update({ op: 'remove', path: '/policy' });
    expect(updated.policy).toBeUndefined();
    expect((await sdk.send(new GetRestApiCommand({ restApiId: id }))).policy).toBeUndefined();
  });

  it('replaces the name and description, and removes the description', async () => {
    const updated = await update(
      { op: 'replace', path: '/name', value: 'Renamed Pets' },
      { op: 'replace', path: '/description', value: 'Pets, renamed' },
    );
    expect(updated).toMatchObject({ name: 'Renamed Pets', description: 'Pets, renamed' });
    const removed = await update({ op: 'remove', path: '/description' });
    expect(removed.description).toBeUndefined();
    const read = await sdk.send(new GetRestApiCommand({ restApiId: id }));
    expect(read.name).toBe('Renamed Pets');
    expect(read.description).toBeUndefined();
    const empty = await updateError({ op: 'replace', path: '/name', value: ' ' });
    expect(empty).toBeInstanceOf(BadRequestException);
  });

  it('replaces apiKeySource (HEADER or AUTHORIZER only)', async () => {
    expect(
      (await update({ op: 'replace', path: '/apiKeySource', value: 'AUTHORIZER' })).apiKeySource,
    ).toBe('AUTHORIZER');
    const err = await updateError({ op: 'replace', path: '/apiKeySource', value: 'QUERY' });
    expect(err).toBeInstanceOf(BadRequestException);
    expect((err as Error).message).toContain('HEADER, AUTHORIZER');
    expect((await sdk.send(new GetRestApiCommand({ restApiId: id }))).apiKeySource).toBe(
      'AUTHORIZER',
    );
  });

  it('replaces disableExecuteApiEndpoint (true or false only)', async () => {
    const on = await update({ op: 'replace', path: '/disableExecuteApiEndpoint', value: 'true' });
    expect(on.disableExecuteApiEndpoint).toBe(true);
    const off = await update({ op: 'replace', path: '/disableExecuteApiEndpoint', value: 'false' });
    expect(off.disableExecuteApiEndpoint).toBe(false);
    const err = await updateError({
      op: 'replace',
      path: '/disableExecuteApiEndpoint',
      value: 'yes',
    });
    expect(err).toBeInstanceOf(BadRequestException);
  });

  it('replaces minimumCompressionSize within AWS’s range, and clears it', async () => {
    expect(
      (await update({ op: 'replace', path: '/minimumCompressionSize', value: '1024' }))
        .minimumCompressionSize,
    ).toBe(1024);
    const err = await updateError({
      op: 'replace',
      path: '/minimumCompressionSize',
      value: '10485761',
    });
    expect((err as Error).message).toBe(
      'Invalid minimum compression size, must be between 0 and 10485760',
    );
    expect(
      (await update({ op: 'replace', path: '/minimumCompressionSize', value: '' }))
        .minimumCompressionSize,
    ).toBeUndefined();
  });

  it('adds, replaces and removes binary media types named in the path (~1 for /)', async () => {
    const added = await update(
      { op: 'add', path: '/binaryMediaTypes/image~1png' },
      { op: 'add', path: '/binaryMediaTypes/application~1octet-stream' },
      { op: 'add', path: '/binaryMediaTypes/image~1png' },
    );
    expect(added.binaryMediaTypes).toEqual(['image/png', 'application/octet-stream']);
    const replaced = await update({
      op: 'replace',
      path: '/binaryMediaTypes/image~1png',
      value: '*/*',
    });
    expect(replaced.binaryMediaTypes).toEqual(['application/octet-stream', '*/*']);
    const removed = await update({ op: 'remove', path: '/binaryMediaTypes/*~1*' });
    expect(removed.binaryMediaTypes).toEqual(['application/octet-stream']);
    const missing = await updateError({ op: 'remove', path: '/binaryMediaTypes/image~1gif' });
    expect(missing).toBeInstanceOf(BadRequestException);
    expect(((await updateError({ op: 'add', path: '/binaryMediaTypes' })) as Error).message).toBe(
      'Invalid patch path /binaryMediaTypes',
    );
  });

  it('answers 400 for an unknown path, an op a path does not take, or an unknown op', async () => {
    const unknown = await updateError({ op: 'replace', path: '/foo', value: 'x' });
    expect(unknown).toBeInstanceOf(BadRequestException);
    expect((unknown as BadRequestException).$metadata.httpStatusCode).toBe(400);
    expect((unknown as Error).message).toBe('Invalid patch path /foo');
    expect(((await updateError({ op: 'add', path: '/name', value: 'x' })) as Error).message).toBe(
      "Invalid patch path '/name' specified for op 'add'. Must be one of: [replace]",
    );
    expect(
      ((await updateError({ op: 'move', path: '/name', from: '/description' })) as Error).message,
    ).toBe("Invalid patch operation specified. Must be 'add'|'remove'|'replace'");
  });

  it('answers 404 NotFoundException for an API that does not exist', async () => {
    const err = await sdk
      .send(
        new UpdateRestApiCommand({
          restApiId: 'nosuchapi0',
          patchOperations: [{ op: 'replace', path: '/name', value: 'x' }],
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundException);
    expect((err as Error).message).toBe('Invalid API identifier specified: nosuchapi0');
  });
});

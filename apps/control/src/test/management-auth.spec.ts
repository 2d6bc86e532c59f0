import {
  APIGatewayClient,
  GetRestApisCommand,
  ImportRestApiCommand,
} from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { NodeSha256 } from '@portico/iam';
import { ConfigError, type RunningService } from '@portico/platform';
import { startInfra, type TestInfra } from '@portico/testing';
import { SignatureV4 } from '@smithy/signature-v4';
import { bootstrap } from '../bootstrap';
import { loadControlConfig } from '../config';
import { controlEnv, emptyConfigFile, fixture } from './control-harness';

const ADMIN = {
  accessKeyId: 'AKIDADMIN',
  secretAccessKey: 'admin-secret-of-forty-characters-000000',
};

describe('CONTROL_ADMIN_CREDENTIALS', () => {
  it('is required beyond loopback, and optional on it', () => {
    expect(() => loadControlConfig({ CONTROL_HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => loadControlConfig({ CONTROL_HOST: '0.0.0.0' })).toThrow(
      /CONTROL_ADMIN_CREDENTIALS/,
    );
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) {
      expect(loadControlConfig({ CONTROL_HOST: host }).adminCredentials.size).toBe(0);
    }
    const config = loadControlConfig({
      CONTROL_HOST: '0.0.0.0',
      CONTROL_ADMIN_CREDENTIALS: 'a:one, b:two:with:colons',
    });
    expect([...config.adminCredentials]).toEqual([
      ['a', 'one'],
      ['b', 'two:with:colons'],
    ]);
  });

  it('refuses malformed pairs, naming the variable', () => {
    for (const value of ['nocolon', ':secret', 'id:', 'bad id:secret']) {
      expect(() => loadControlConfig({ CONTROL_ADMIN_CREDENTIALS: value })).toThrow(
        /CONTROL_ADMIN_CREDENTIALS/,
      );
    }
  });
});

/**
 * Management requests signed with Signature Version 4 against the admin credentials, as the
 * AWS SDKs sign them; unsigned and badly signed requests get AWS's errors.
 */
describe('the management API with admin credentials', () => {
  let infra: TestInfra;
  let control: RunningService;
  const clients: Array<{ destroy(): void }> = [];

  const v1 = (credentials = ADMIN, region = 'us-east-1') => {
    const client = new APIGatewayClient({
      endpoint: `http://127.0.0.1:${control.port}`,
      region,
      credentials,
      maxAttempts: 1,
    });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    infra = await startInfra();
    control = await bootstrap(
      controlEnv(infra, {
        PORTICO_CONFIG: emptyConfigFile(),
        PORTICO_CONFIG_WATCH: 'false',
        CONTROL_ADMIN_CREDENTIALS: `${ADMIN.accessKeyId}:${ADMIN.secretAccessKey},AKIDOTHER:other-secret`,
      }),
    );
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await control?.close();
    await infra?.stop();
  });

  const failure = async (promise: Promise<unknown>) => {
    const err = (await promise.then(
      () => undefined,
      (e: unknown) => e,
    )) as { name?: string; $metadata?: { httpStatusCode?: number }; message?: string };
    return { name: err?.name, status: err?.$metadata?.httpStatusCode, message: err?.message };
  };

  it('serves the AWS SDK clients (v1 and v2) signing with an admin credential, any of them', async () => {
    const api = await v1().send(
      new ImportRestApiCommand({ body: fixture('orders-api.json'), failOnWarnings: false }),
    );
    expect(api.id).toBeDefined();
    const listed = await v1({ accessKeyId: 'AKIDOTHER', secretAccessKey: 'other-secret' }).send(
      new GetRestApisCommand({}),
    );
    expect(listed.items?.map((a) => a.id)).toContain(api.id);
    const v2 = new ApiGatewayV2Client({
      endpoint: `http://127.0.0.1:${control.port}`,
      region: 'us-east-1',
      credentials: ADMIN,
      maxAttempts: 1,
    });
    clients.push(v2);
    expect((await v2.send(new GetApisCommand({}))).Items).toEqual([]);
  });

  it('answers an unsigned request 403 Missing Authentication Token', async () => {
    const res = await fetch(`http://127.0.0.1:${control.port}/restapis`);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await res.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('answers a wrong secret InvalidSignatureException and an unknown key UnrecognizedClientException', async () => {
    expect(
      await failure(
        v1({ accessKeyId: ADMIN.accessKeyId, secretAccessKey: 'wrong' }).send(
          new GetRestApisCommand({}),
        ),
      ),
    ).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(
      await failure(
        v1({ accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' }).send(new GetRestApisCommand({})),
      ),
    ).toEqual({
      name: 'UnrecognizedClientException',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
  });

  it('answers a signature for another region InvalidSignatureException', async () => {
    expect(await failure(v1(ADMIN, 'eu-west-1').send(new GetRestApisCommand({})))).toMatchObject({
      name: 'InvalidSignatureException',
      status: 403,
      message: "Credential should be scoped to a valid region, not 'eu-west-1'.",
    });
  });

  it('refuses a signed request whose body was changed on the way', async () => {
    const signer = new SignatureV4({
      credentials: ADMIN,
      region: 'us-east-1',
      service: 'apigateway',
      sha256: NodeSha256,
    });
    const body = JSON.stringify({ name: 'signed', enabled: true });
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: control.port,
      path: '/apikeys',
      query: {},
      headers: { host: `127.0.0.1:${control.port}`, 'content-type': 'application/json' },
      body,
    });
    const res = await fetch(`http://127.0.0.1:${control.port}/apikeys`, {
      method: 'POST',
      headers: signed.headers,
      body: body.replace('signed', 'forged'),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from './config-file.loader';

const CHAT = `
webSocketApis:
  - id: chat
    name: Chat
    allowedOrigins: ['https://App.example.test']
    maxConnectionsPerSecond: 0
    routes:
      $connect: { integration: { type: AWS_PROXY, uri: chat } }
      sendmessage: { integration: { type: AWS_PROXY, uri: chat }, routeResponse: true }
      echo:
        integration: { type: HTTP_PROXY, uri: 'http://127.0.0.1:3000/echo', method: put, timeoutInMillis: 5000 }
      $default:
        integration:
          type: MOCK
          requestTemplates: { $default: '{"statusCode": 200}' }
          responseTemplate: '{"message":"unknown action"}'
        routeResponse: true
    stages:
      - name: prod
`;

describe('loadConfigFile: webSocketApis', () => {
  let dir: string;
  const load = (text: string) => {
    writeFileSync(join(dir, 'portico.yaml'), text);
    return loadConfigFile(join(dir, 'portico.yaml'));
  };
  const errorOf = async (text: string): Promise<string> => {
    const { result } = await load(text);
    if (result.ok) throw new Error('expected the file to be invalid');
    return result.error.message;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-ws-loader-'));
  });

  it('builds the WebSocket definition with routes, integrations and settings', async () => {
    const { result } = await load(CHAT);
    if (!result.ok) throw result.error;
    const [api] = result.state.apis;
    expect(api).toMatchObject({ id: 'chat', name: 'Chat', protocolType: 'WEBSOCKET' });
    const ws = api!.definition.webSocket!;
    expect(ws.routeSelectionExpression).toBe('$request.body.action');
    expect(ws.settings).toEqual({
      allowedOrigins: ['https://app.example.test'],
      maxConnectionsPerSecond: 0,
    });
    expect(api!.definition.resources).toEqual([
      expect.objectContaining({ path: '/', methods: {} }),
    ]);
    const byKey = new Map(Object.values(ws.routes).map((r) => [r.routeKey, r]));
    expect([...byKey.keys()].sort()).toEqual(['$connect', '$default', 'echo', 'sendmessage']);
    expect(byKey.get('$connect')!.routeResponseSelectionExpression).toBeUndefined();
    expect(byKey.get('sendmessage')).toMatchObject({
      routeResponseSelectionExpression: '$default',
      routeResponses: [{ routeResponseKey: '$default' }],
    });
    const echo = ws.integrations[byKey.get('echo')!.integrationId!]!.integration;
    expect(echo).toMatchObject({
      type: 'HTTP_PROXY',
      httpMethod: 'PUT',
      timeoutInMillis: 5000,
      uri: 'http://127.0.0.1:3000/echo',
    });
    const mock = ws.integrations[byKey.get('$default')!.integrationId!]!.integration;
    expect(mock.requestTemplates).toEqual({ $default: '{"statusCode": 200}' });
    expect(mock.responses).toEqual([
      {
        selectionPattern: 'default',
        statusCode: '200',
        responseParameters: {},
        responseTemplates: { 'application/json': '{"message":"unknown action"}' },
      },
    ]);
  });

  it('gives routes and integrations the same ids on every load', async () => {
    const first = await load(CHAT);
    const second = await load(CHAT);
    if (!first.result.ok || !second.result.ok) throw new Error('expected valid files');
    expect(second.result.state.apis[0]!.definition).toEqual(first.result.state.apis[0]!.definition);
    const ids = Object.keys(first.result.state.apis[0]!.definition.webSocket!.routes);
    expect(ids.every((id) => /^[a-z0-9]{7}$/.test(id))).toBe(true);
  });

  it('names the field of an unknown member, a bad route key and a bad expression', async () => {
    expect(
      await errorOf(
        CHAT.replace('routeResponse: true\n    stages', 'routeReponse: true\n    stages'),
      ),
    ).toMatch(/webSocketApis\[0\]\.routes\.\$default\.routeReponse is not a known field/);
    expect(await errorOf(CHAT.replace('echo:', '$echo:'))).toMatch(
      /webSocketApis\[0\]\.routes\.\$echo: Invalid route key/,
    );
    expect(
      await errorOf(
        CHAT.replace('name: Chat', 'name: Chat\n    routeSelectionExpression: $request.body.'),
      ),
    ).toMatch(/webSocketApis\[0\]\.routeSelectionExpression: Invalid route selection expression/);
  });

  it('refuses a response template on a backend integration and an id used twice', async () => {
    expect(
      await errorOf(
        CHAT.replace(
          'uri: chat }, routeResponse',
          "uri: chat, responseTemplate: 'x' }, routeResponse",
        ),
      ),
    ).toMatch(/routes\.sendmessage\.integration: responseTemplate is only for MOCK/);
    expect(await errorOf(`${CHAT}  - id: chat\n    routes: {}\n`)).toMatch(
      /webSocketApis\[1\]\.id "chat" is also the id of webSocketApis\[0\]/,
    );
    expect(await errorOf(CHAT.replace('uri: chat }', 'uri: "arn:aws:s3:::bucket" }'))).toMatch(
      /Invalid integration URI for AWS_PROXY/,
    );
  });

  describe('authorizers', () => {
    const AUTHORIZED = CHAT.replace(
      '    routes:\n      $connect: { integration: { type: AWS_PROXY, uri: chat } }',
      [
        '    authorizers:',
        '      tokens:',
        '        uri: ws-auth',
        '        identitySource: [route.request.querystring.token]',
        '        authorizerResultTtlInSeconds: 60',
        '    routes:',
        '      $connect: { integration: { type: AWS_PROXY, uri: chat }, authorizer: tokens }',
      ].join('\n'),
    );

    it('gives $connect the authorizer it names (CUSTOM, by a stable id)', async () => {
      const { result } = await load(AUTHORIZED);
      if (!result.ok) throw result.error;
      const ws = result.state.apis[0]!.definition.webSocket!;
      const [authorizer] = Object.values(ws.authorizers ?? {});
      expect(authorizer).toEqual({
        authorizerId: expect.stringMatching(/^[a-z0-9]{7}$/),
        name: 'tokens',
        authorizerType: 'REQUEST',
        authorizerUri: 'ws-auth',
        identitySource: ['route.request.querystring.token'],
        authorizerResultTtlInSeconds: 60,
      });
      const connect = Object.values(ws.routes).find((r) => r.routeKey === '$connect');
      expect(connect).toMatchObject({
        authorizationType: 'CUSTOM',
        authorizerId: authorizer!.authorizerId,
      });
      const again = await load(AUTHORIZED);
      if (!again.result.ok) throw again.result.error;
      expect(again.result.state.apis[0]!.definition).toEqual(result.state.apis[0]!.definition);
    });

    it('leaves authorizers out of a file that declares none', async () => {
      const { result } = await load(CHAT);
      if (!result.ok) throw result.error;
      expect(result.state.apis[0]!.definition.webSocket).not.toHaveProperty('authorizers');
    });

    it('refuses an unknown name, a route other than $connect, and an authorizer that cannot run', async () => {
      expect(await errorOf(AUTHORIZED.replace('authorizer: tokens', 'authorizer: nope'))).toMatch(
        /routes\.\$connect\.authorizer: webSocketApis\[0\]\.authorizers has no authorizer named nope/,
      );
      expect(
        await errorOf(
          AUTHORIZED.replace(
            'uri: chat }, routeResponse',
            'uri: chat }, authorizer: tokens, routeResponse',
          ),
        ),
      ).toMatch(
        /routes\.sendmessage\.authorizer: Currently, authorization is restricted to the \$connect route only/,
      );
      expect(
        await errorOf(
          AUTHORIZED.replace('route.request.querystring.token', 'method.request.header.X'),
        ),
      ).toMatch(/webSocketApis\[0\]\.authorizers\.tokens: Invalid authorizer: identitySource/);
      expect(
        await errorOf(
          AUTHORIZED.replace(
            'authorizerResultTtlInSeconds: 60',
            'authorizerResultTtlInSeconds: 4000',
          ),
        ),
      ).toMatch(/authorizers\.tokens\.authorizerResultTtlInSeconds/);
    });
  });

  it('refuses stages for an API without routes', async () => {
    expect(await errorOf('webSocketApis:\n  - id: empty\n    stages: [{ name: prod }]\n')).toMatch(
      /webSocketApis\[0\]\.routes is empty/,
    );
  });
});

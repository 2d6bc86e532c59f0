import type { WebSocketDefinition } from '@portico/definitions';
import { testIntegration } from '../integrations/testing/invocation-request.factory';
import { compileWebSocket, selectRoute } from './route-selection';

function api(
  routeKeys: string[],
  routeSelectionExpression = '$request.body.action',
): WebSocketDefinition {
  const integration = testIntegration({ type: 'MOCK' });
  return {
    routeSelectionExpression,
    integrations: { i1: { integrationId: 'i1', integration } },
    routes: Object.fromEntries(
      routeKeys.map((routeKey, n) => [
        `r${n}`,
        {
          routeId: `r${n}`,
          routeKey,
          integrationId: 'i1',
          routeResponses:
            routeKey === 'two' ? [{ routeResponseId: 'x', routeResponseKey: '$default' }] : [],
          routeResponseSelectionExpression: routeKey === 'two' ? '$default' : undefined,
          authorizationType: 'NONE',
          apiKeyRequired: false,
        },
      ]),
    ),
    settings: { allowedOrigins: [], maxConnectionsPerSecond: 0 },
  };
}

const key = (def: WebSocketDefinition, message: string, binary = false): string | undefined =>
  selectRoute(compileWebSocket(def), Buffer.from(message), binary)?.routeKey;

describe('route selection', () => {
  const def = api(['$connect', '$default', 'send', 'two', '42', 'true']);

  it('selects the route the expression names, by string, number or boolean', () => {
    expect(key(def, '{"action":"send"}')).toBe('send');
    expect(key(def, '  {"action":42}')).toBe('42');
    expect(key(def, '{"action":true}')).toBe('true');
  });

  it('falls back to $default for non-JSON, arrays, missing members, objects and binary frames', () => {
    for (const m of [
      'plain text',
      '["send"]',
      '{"other":"send"}',
      '{"action":{"x":1}}',
      '{bad json',
    ]) {
      expect(key(def, m)).toBe('$default');
    }
    expect(key(def, '{"action":"send"}', true)).toBe('$default');
  });

  it('never lets a message pick $connect, $disconnect or $default by name', () => {
    expect(key(api(['$connect', 'send']), '{"action":"$connect"}')).toBeUndefined();
    expect(key(def, '{"action":"$connect"}')).toBe('$default');
  });

  it('follows nested paths, and a constant expression selects its own key', () => {
    const nested = api(['$default', 'chat'], '$request.body.meta.type');
    expect(key(nested, '{"meta":{"type":"chat"}}')).toBe('chat');
    expect(key(nested, '{"meta":"chat"}')).toBe('$default');
    expect(key(api(['fixed']), 'anything', false)).toBeUndefined();
    expect(key(api(['fixed'], 'fixed'), 'anything')).toBe('fixed');
  });

  it('marks routes with a $default route response as two-way', () => {
    const compiled = compileWebSocket(def);
    expect(compiled.routes.get('two')?.twoWay).toBe(true);
    expect(compiled.routes.get('send')?.twoWay).toBe(false);
  });

  it('refuses a route whose integration does not exist, and a malformed expression', () => {
    const broken = api(['send']);
    broken.routes.r0!.integrationId = 'missing';
    expect(() => compileWebSocket(broken)).toThrow('integration missing');
    expect(() => compileWebSocket(api(['send'], '$request.body..x'))).toThrow(
      'Invalid route selection expression',
    );
  });
});

describe('routes that ask for authorization', () => {
  const tokens = {
    authorizerId: 'a1',
    name: 'tokens',
    authorizerType: 'REQUEST' as const,
    authorizerUri: 'ws-auth',
    identitySource: ['route.request.querystring.token'],
    authorizerResultTtlInSeconds: 60,
  };

  it('run the $connect authorizer CUSTOM names, its identity sources as the REST gate reads them', () => {
    const def = { ...api(['$connect', 'two']), authorizers: { a1: tokens } };
    const connect = Object.values(def.routes).find((r) => r.routeKey === '$connect')!;
    expect(compileWebSocket(def).routes.get('$connect')?.authorizer).toBeUndefined();
    connect.authorizationType = 'CUSTOM';
    connect.authorizerId = 'a1';
    const served = compileWebSocket(def).routes.get('$connect');
    expect(served?.unsupportedAuth).toBeUndefined();
    expect(served?.authorizer).toMatchObject({
      name: 'tokens',
      type: 'REQUEST',
      functionName: 'ws-auth',
      identitySource: ['method.request.querystring.token'],
      resultTtlSeconds: 60,
    });
  });

  it('are marked when they cannot be checked, so such a $connect is refused, not served open', () => {
    const def = { ...api(['$connect', 'two']), authorizers: { a1: tokens } };
    const connect = Object.values(def.routes).find((r) => r.routeKey === '$connect')!;
    const mark = () => compileWebSocket(def).routes.get('$connect')?.unsupportedAuth;
    expect(mark()).toBeUndefined();
    connect.authorizationType = 'CUSTOM';
    expect(mark()).toBe('authorizer (none), which does not exist');
    connect.authorizerId = 'gone';
    expect(mark()).toBe('authorizer gone, which does not exist');
    connect.authorizerId = 'a1';
    def.authorizers.a1 = { ...tokens, identitySource: ['method.request.header.X'] };
    expect(mark()).toMatch(/^authorizer tokens: identitySource/);
    connect.authorizationType = 'JWT';
    expect(mark()).toBe('authorizationType JWT');
  });

  it('ask AWS_IAM and API key checks of $connect when the route says so', () => {
    const def = { ...api(['$connect', 'two']), authorizers: { a1: tokens } };
    const connect = Object.values(def.routes).find((r) => r.routeKey === '$connect')!;
    const checks = () => {
      const route = compileWebSocket(def).routes.get('$connect');
      return { iam: route?.iam, key: route?.apiKeyRequired, authorizer: route?.authorizer?.name };
    };
    expect(checks()).toEqual({ iam: undefined, key: undefined, authorizer: undefined });
    connect.authorizationType = 'AWS_IAM';
    expect(checks()).toEqual({ iam: true, key: undefined, authorizer: undefined });
    connect.apiKeyRequired = true;
    expect(checks()).toEqual({ iam: true, key: true, authorizer: undefined });
    connect.authorizationType = 'CUSTOM';
    connect.authorizerId = 'a1';
    expect(checks()).toEqual({ iam: undefined, key: true, authorizer: 'tokens' });
  });
});

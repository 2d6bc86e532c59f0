import { type WebSocketAuthorizer, webSocketFunctionAuthorizer } from './websocket';

const authorizer = (over: Partial<WebSocketAuthorizer> = {}): WebSocketAuthorizer => ({
  authorizerId: 'abc1234',
  name: 'tokens',
  authorizerType: 'REQUEST',
  authorizerUri: 'arn:aws:lambda:us-east-1:123456789012:function:ws-auth',
  identitySource: ['route.request.querystring.token', 'route.request.header.X-Tenant'],
  authorizerResultTtlInSeconds: 300,
  ...over,
});

describe('webSocketFunctionAuthorizer', () => {
  it('runs as a REQUEST function authorizer with v2 identity sources mapped to method.request', () => {
    expect(
      webSocketFunctionAuthorizer(
        authorizer({
          identitySource: [
            'route.request.querystring.token',
            'route.request.header.X-Tenant',
            'stageVariables.realm',
            'context.identity.sourceIp',
          ],
        }),
      ),
    ).toEqual({
      name: 'tokens',
      type: 'REQUEST',
      functionName: 'ws-auth',
      identitySource: [
        'method.request.querystring.token',
        'method.request.header.X-Tenant',
        'stageVariables.realm',
        'context.identity.sourceIp',
      ],
      resultTtlSeconds: 300,
    });
  });

  it('refuses REST-style, malformed or comma-joined identity sources', () => {
    for (const source of [
      'method.request.header.Auth',
      'route.request.body.token',
      'route.request.header.a,b',
      '$request.header.Auth',
    ]) {
      expect(webSocketFunctionAuthorizer(authorizer({ identitySource: [source] }))).toMatch(
        /is not route\.request\.header\.X/,
      );
    }
  });

  it('refuses what the REST checks refuse: TTL out of range, no function, caching without identity', () => {
    expect(webSocketFunctionAuthorizer(authorizer({ authorizerResultTtlInSeconds: 3601 }))).toMatch(
      /from 0 to 3600/,
    );
    expect(webSocketFunctionAuthorizer(authorizer({ authorizerUri: '' }))).toMatch(
      /names no function/,
    );
    expect(webSocketFunctionAuthorizer(authorizer({ identitySource: [] }))).toMatch(
      /identitySource is required/,
    );
    expect(
      webSocketFunctionAuthorizer(
        authorizer({ identitySource: [], authorizerResultTtlInSeconds: 0 }),
      ),
    ).toMatchObject({ identitySource: [], resultTtlSeconds: 0 });
  });

  it('refuses authorizer types other than REQUEST', () => {
    expect(webSocketFunctionAuthorizer(authorizer({ authorizerType: 'JWT' as 'REQUEST' }))).toMatch(
      /REQUEST only/,
    );
  });
});

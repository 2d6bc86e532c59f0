import { readFunctionAuthorizer } from './authorizer';

const URI =
  'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations';
const scheme = (ext: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'apiKey',
  name: 'X-Token',
  in: 'header',
  'x-amazon-apigateway-authorizer': { authorizerUri: URI, ...ext },
  ...extra,
});

describe('readFunctionAuthorizer', () => {
  it('reads a TOKEN authorizer from the header its scheme names, with the default TTL', () => {
    expect(readFunctionAuthorizer('tok', scheme({ type: 'token' }))).toEqual({
      name: 'tok',
      type: 'TOKEN',
      functionName: 'auth',
      identitySource: ['method.request.header.X-Token'],
      resultTtlSeconds: 300,
    });
  });

  it('takes a REQUEST authorizer without identity sources only when nothing is cached', () => {
    expect(
      readFunctionAuthorizer('req', scheme({ type: 'request', authorizerResultTtlInSeconds: 0 })),
    ).toMatchObject({ identitySource: [], resultTtlSeconds: 0 });
  });

  it('reads a REQUEST authorizer with its identity sources and TTL 0', () => {
    const read = readFunctionAuthorizer(
      'req',
      scheme({
        type: 'REQUEST',
        identitySource:
          'method.request.header.A, method.request.querystring.b, stageVariables.c, context.identity.sourceIp',
        authorizerResultTtlInSeconds: 0,
      }),
    );
    expect(read).toMatchObject({
      type: 'REQUEST',
      identitySource: [
        'method.request.header.A',
        'method.request.querystring.b',
        'stageVariables.c',
        'context.identity.sourceIp',
      ],
      resultTtlSeconds: 0,
    });
  });

  it.each([
    ['a Cognito authorizer', { type: 'cognito_user_pools' }, /not a function authorizer/],
    [
      'no function in the URI',
      { type: 'token', authorizerUri: 'https://example.com' },
      /names no function/,
    ],
    [
      'an identity source of another kind',
      { type: 'request', identitySource: 'method.request.body.x' },
      /identitySource/,
    ],
    [
      'two sources for a TOKEN',
      { type: 'token', identitySource: 'method.request.header.A,method.request.header.B' },
      /exactly one header/,
    ],
    [
      'a cached REQUEST authorizer without identity sources',
      { type: 'request' },
      /identitySource is required/,
    ],
    ['a TTL over an hour', { type: 'token', authorizerResultTtlInSeconds: 3601 }, /0 to 3600/],
    ['a fractional TTL', { type: 'token', authorizerResultTtlInSeconds: 1.5 }, /0 to 3600/],
    [
      'an expression that is not one',
      { type: 'token', identityValidationExpression: '(' },
      /not a regular expression/,
    ],
    [
      'an expression on a REQUEST authorizer',
      {
        type: 'request',
        identitySource: 'method.request.header.A',
        identityValidationExpression: 'x',
      },
      /for TOKEN/,
    ],
  ])('refuses %s, saying why', (_what, ext, why) => {
    const read = readFunctionAuthorizer('x', scheme(ext));
    expect(typeof read).toBe('string');
    expect(read).toMatch(why);
  });
});

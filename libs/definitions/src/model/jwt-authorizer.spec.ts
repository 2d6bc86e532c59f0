import { generateKeyPairSync } from 'node:crypto';
import { readJwtAuthorizer } from './jwt-authorizer';

const ISSUER = 'https://issuer.example.com';
const publicJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
  format: 'jwk',
});
const secret = { kty: 'oct', k: Buffer.alloc(32, 7).toString('base64url') };

const jwt = (config: Record<string, unknown> = {}, portico?: Record<string, unknown>) => ({
  type: 'oauth2',
  'x-amazon-apigateway-authorizer': {
    type: 'jwt',
    identitySource: '$request.header.Authorization',
    jwtConfiguration: { issuer: ISSUER, audience: ['api'] },
    ...config,
  },
  ...(portico ? { 'x-portico-jwt': portico } : {}),
});
const cognito = (arns: unknown, portico?: Record<string, unknown>) => ({
  type: 'apiKey',
  name: 'X-Id-Token',
  in: 'header',
  'x-amazon-apigateway-authorizer': { type: 'cognito_user_pools', providerARNs: arns },
  ...(portico ? { 'x-portico-jwt': portico } : {}),
});

describe('readJwtAuthorizer', () => {
  it('reads an HTTP API JWT authorizer with Portico defaults (RS256 only, 60 s skew, TTL 300)', () => {
    expect(readJwtAuthorizer('jwt', jwt({}, { jwksUri: `${ISSUER}/keys` }))).toEqual({
      name: 'jwt',
      type: 'JWT',
      tokenHeader: 'authorization',
      issuers: [{ issuer: ISSUER, jwksUri: `${ISSUER}/keys` }],
      audiences: ['api'],
      algorithms: ['RS256'],
      clockSkewSeconds: 60,
      resultTtlSeconds: 300,
    });
  });

  it('maps each Cognito user pool to its issuer and JWKS, reading the scheme header', () => {
    const read = readJwtAuthorizer(
      'pool',
      cognito([
        'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Abc',
        'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Def',
      ]),
    );
    expect(read).toMatchObject({
      type: 'COGNITO_USER_POOLS',
      tokenHeader: 'x-id-token',
      audiences: [],
      issuers: [
        {
          issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc',
          jwksUri:
            'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc/.well-known/jwks.json',
        },
        { issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Def' },
      ],
    });
  });

  it('lets x-portico-jwt stand in for an unreachable user pool with a local issuer and inline keys', () => {
    const read = readJwtAuthorizer(
      'pool',
      cognito(['arn:aws:cognito-idp:us-east-1:1:userpool/x'], {
        issuer: 'http://127.0.0.1:9999/pool',
        jwks: { keys: [publicJwk] },
        algorithms: ['ES256'],
        audiences: ['client-1'],
        clockSkewSeconds: 0,
      }),
    );
    expect(read).toMatchObject({
      issuers: [{ issuer: 'http://127.0.0.1:9999/pool', jwks: { keys: [publicJwk] } }],
      algorithms: ['ES256'],
      audiences: ['client-1'],
      clockSkewSeconds: 0,
    });
    expect(
      readJwtAuthorizer(
        'pool',
        cognito(['arn:aws:cognito-idp:us-east-1:1:userpool/x'], { issuer: 'http://idp/p' }),
      ),
    ).toMatchObject({
      issuers: [{ issuer: 'http://idp/p', jwksUri: 'http://idp/p/.well-known/jwks.json' }],
    });
  });

  it('takes HMAC algorithms only with an inline secret', () => {
    expect(
      readJwtAuthorizer('h', jwt({}, { algorithms: ['HS256'], jwks: { keys: [secret] } })),
    ).toMatchObject({ algorithms: ['HS256'], issuers: [{ jwks: { keys: [secret] } }] });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'no issuer',
      jwt({ jwtConfiguration: { audience: ['a'] } }, { jwksUri: 'https://k' }),
      /issuer is required/,
    ],
    [
      'no audience',
      jwt({ jwtConfiguration: { issuer: ISSUER } }, { jwksUri: 'https://k' }),
      /at least one audience/,
    ],
    [
      'both key sources',
      jwt({}, { jwksUri: 'https://k', jwks: { keys: [publicJwk] } }),
      /not both/,
    ],
    [
      'a jwksUri that is not http(s)',
      jwt({}, { jwksUri: 'file:///etc/passwd' }),
      /not an http\(s\) URL/,
    ],
    [
      'alg none',
      jwt({}, { jwksUri: 'https://k', algorithms: ['RS256', 'None'] }),
      /"none" is never accepted/,
    ],
    [
      'an unknown algorithm',
      jwt({}, { jwksUri: 'https://k', algorithms: ['rs256'] }),
      /"rs256" is not one of/,
    ],
    [
      'HMAC mixed with RSA',
      jwt({}, { jwks: { keys: [secret] }, algorithms: ['HS256', 'RS256'] }),
      /mixes HMAC/,
    ],
    [
      'HMAC from a URL',
      jwt({}, { jwksUri: 'https://k', algorithms: ['HS256'] }),
      /shared secret inline/,
    ],
    ['a secret beside RS256', jwt({}, { jwks: { keys: [secret] } }), /does not go with RS256/],
    [
      'a short HMAC secret',
      jwt({}, { algorithms: ['HS256'], jwks: { keys: [{ kty: 'oct', k: 'c2hvcnQ' }] } }),
      /at least 32 bytes/,
    ],
    [
      'a private key inline',
      jwt({}, { algorithms: ['ES256'], jwks: { keys: [{ ...publicJwk, d: 'x' }] } }),
      /private key/,
    ],
    [
      'a broken public key',
      jwt({}, { jwks: { keys: [{ kty: 'RSA', n: 'AQAB' }] } }),
      /not a usable public key/,
    ],
    [
      'skew beyond 300 s',
      jwt({}, { jwksUri: 'https://k', clockSkewSeconds: 301 }),
      /clockSkewSeconds must be an integer from 0 to 300/,
    ],
    ['a typo in the extension', jwt({}, { jwksUrl: 'https://k' }), /jwksUrl is not a setting/],
    [
      'two identity sources',
      jwt({ identitySource: '$request.header.A,$request.querystring.b' }, { jwksUri: 'https://k' }),
      /must name one header/,
    ],
    [
      'issuers that disagree',
      jwt({}, { jwksUri: 'https://k', issuer: 'https://other' }),
      /disagree/,
    ],
    [
      'a TTL beyond 3600',
      jwt({ authorizerResultTtlInSeconds: 3601 }, { jwksUri: 'https://k' }),
      /from 0 to 3600/,
    ],
  ])('refuses %s', (_, scheme, message) => {
    expect(readJwtAuthorizer('a', scheme)).toMatch(message);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no providerARNs', cognito([]), /providerARNs must list/],
    [
      'an ARN that is not a user pool',
      cognito(['arn:aws:lambda:us-east-1:1:function:f']),
      /not a user pool ARN/,
    ],
    [
      'a stage variable pool',
      cognito(['arn:aws:cognito-idp:us-east-1:1:userpool/${stageVariables.p}']),
      /stage variables are not resolved/,
    ],
    [
      'one stand-in issuer for two pools',
      cognito(
        [
          'arn:aws:cognito-idp:us-east-1:1:userpool/a',
          'arn:aws:cognito-idp:us-east-1:1:userpool/b',
        ],
        { issuer: 'https://idp' },
      ),
      /stands in for one user pool; providerARNs lists 2/,
    ],
  ])('refuses a Cognito authorizer with %s', (_, scheme, message) => {
    expect(readJwtAuthorizer('a', scheme)).toMatch(message);
  });
});

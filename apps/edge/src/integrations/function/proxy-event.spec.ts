import { testBody, testInvocationRequest } from '../testing/invocation-request.factory';
import { buildProxyEvent, isBinaryMediaType } from './proxy-event';

describe('buildProxyEvent', () => {
  const full = testInvocationRequest({
    requestId: 'c0ffee00-0000-4000-8000-00000000abcd',
    extendedRequestId: 'Xk2bVGcdoAMEa0A=',
    requestTimeEpoch: Date.UTC(2026, 10, 22, 8, 0, 0),
    httpMethod: 'POST',
    path: '/pets/1/toys',
    fullPath: '/prod/pets/1/toys',
    resourcePath: '/pets/{id}/{proxy+}',
    resourceId: 'r3s0urc3',
    pathParameters: { id: '1', proxy: 'toys' },
    query: { limit: ['10'], tag: ['a', 'b'] },
    rawQuery: 'limit=10&tag=a&tag=b',
    headers: {
      'content-type': ['application/json'],
      'x-multi': ['one', 'two'],
      'user-agent': ['curl/8.0'],
    },
    sourceIp: '198.51.100.7',
    userAgent: 'curl/8.0',
    protocol: 'HTTP/1.1',
    domainName: 'a1b2c3d4e5.execute-api.localhost',
    domainPrefix: 'a1b2c3d4e5',
    apiId: 'a1b2c3d4e5',
    accountId: '123456789012',
    stage: 'prod',
    stageVariables: { backend: 'blue' },
    deploymentId: 'dep123',
    body: '{"name":"Rex"}',
  });

  it('fills every top-level field of payload format 1.0', () => {
    const event = buildProxyEvent(full, Buffer.from('{"name":"Rex"}'));
    expect(event).toMatchObject({
      resource: '/pets/{id}/{proxy+}',
      path: '/pets/1/toys',
      httpMethod: 'POST',
      headers: { 'content-type': 'application/json', 'x-multi': 'two', 'user-agent': 'curl/8.0' },
      multiValueHeaders: {
        'content-type': ['application/json'],
        'x-multi': ['one', 'two'],
        'user-agent': ['curl/8.0'],
      },
      queryStringParameters: { limit: '10', tag: 'b' },
      multiValueQueryStringParameters: { limit: ['10'], tag: ['a', 'b'] },
      pathParameters: { id: '1', proxy: 'toys' },
      stageVariables: { backend: 'blue' },
      body: '{"name":"Rex"}',
      isBase64Encoded: false,
    });
    expect(Object.keys(event).sort()).toEqual(
      [
        'resource',
        'path',
        'httpMethod',
        'headers',
        'multiValueHeaders',
        'queryStringParameters',
        'multiValueQueryStringParameters',
        'pathParameters',
        'stageVariables',
        'requestContext',
        'body',
        'isBase64Encoded',
      ].sort(),
    );
  });

  it('names the API key a request was admitted with', () => {
    const { identity } = buildProxyEvent(
      { ...full, apiKey: { id: 'k3y1d', value: 'v'.repeat(40) } },
      undefined,
    ).requestContext;
    expect(identity).toMatchObject({ apiKey: 'v'.repeat(40), apiKeyId: 'k3y1d' });
  });

  it('fills requestContext as AWS does', () => {
    const { requestContext } = buildProxyEvent(full, undefined);
    expect(requestContext).toEqual({
      resourceId: 'r3s0urc3',
      resourcePath: '/pets/{id}/{proxy+}',
      httpMethod: 'POST',
      extendedRequestId: 'Xk2bVGcdoAMEa0A=',
      requestTime: '22/Nov/2026:08:00:00 +0000',
      path: '/prod/pets/1/toys',
      accountId: '123456789012',
      protocol: 'HTTP/1.1',
      stage: 'prod',
      domainPrefix: 'a1b2c3d4e5',
      requestTimeEpoch: Date.UTC(2026, 10, 22, 8, 0, 0),
      requestId: 'c0ffee00-0000-4000-8000-00000000abcd',
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp: '198.51.100.7',
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent: 'curl/8.0',
        user: null,
        apiKey: null,
        apiKeyId: null,
      },
      domainName: 'a1b2c3d4e5.execute-api.localhost',
      deploymentId: 'dep123',
      apiId: 'a1b2c3d4e5',
    });
  });

  it('spells header names as the client sent them when the raw headers are known', () => {
    const req = testInvocationRequest({
      headers: { 'content-type': ['application/json'], 'x-multi': ['one', 'two'], host: ['h'] },
      rawHeaders: ['Content-Type', 'application/json', 'X-Multi', 'one', 'x-multi', 'two'],
    });
    const event = buildProxyEvent(req, undefined);
    expect(event.headers).toEqual({
      'Content-Type': 'application/json',
      'X-Multi': 'two',
      host: 'h',
    });
    expect(event.multiValueHeaders).toEqual({
      'Content-Type': ['application/json'],
      'X-Multi': ['one', 'two'],
      host: ['h'],
    });
  });

  it('fills in the account id it is given when the request has none', () => {
    const req = testInvocationRequest({ accountId: '' });
    expect(buildProxyEvent(req, undefined, '000011112222').requestContext.accountId).toBe(
      '000011112222',
    );
  });

  it('uses null, not {}, for absent maps and body, and the request id for a missing extended id', () => {
    const bare = testInvocationRequest({
      headers: {},
      query: {},
      pathParameters: {},
      stageVariables: {},
      userAgent: undefined,
      extendedRequestId: undefined,
    });
    const event = buildProxyEvent(bare, undefined);
    expect(event.headers).toBeNull();
    expect(event.multiValueHeaders).toBeNull();
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.pathParameters).toBeNull();
    expect(event.stageVariables).toBeNull();
    expect(event.body).toBeNull();
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext.identity.userAgent).toBeNull();
    expect(event.requestContext.extendedRequestId).toBe(bare.requestId);
    expect(buildProxyEvent(bare, Buffer.alloc(0)).body).toBeNull();
  });

  it('base64-encodes a body whose media type is binary', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    const req = testInvocationRequest({
      httpMethod: 'PUT',
      headers: { 'content-type': ['image/png'] },
      binaryMediaTypes: ['image/*'],
      body: testBody(png),
    });
    const event = buildProxyEvent(req, png);
    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).toBe(png.toString('base64'));
    expect(Buffer.from(event.body ?? '', 'base64')).toEqual(png);
  });

  it('keeps a text body as UTF-8 when its media type is not binary', () => {
    const req = testInvocationRequest({
      headers: { 'content-type': ['text/plain; charset=utf-8'] },
      binaryMediaTypes: ['image/png'],
    });
    const event = buildProxyEvent(req, Buffer.from('héllo'));
    expect(event).toMatchObject({ body: 'héllo', isBase64Encoded: false });
  });
});

describe('isBinaryMediaType', () => {
  it('matches exact types, type wildcards, */* and the ~1 escape', () => {
    expect(isBinaryMediaType('application/octet-stream', ['application/octet-stream'])).toBe(true);
    expect(isBinaryMediaType('image/jpeg', ['image/*'])).toBe(true);
    expect(isBinaryMediaType('application/json', ['*/*'])).toBe(true);
    expect(isBinaryMediaType(undefined, ['*/*'])).toBe(true);
    expect(isBinaryMediaType('application/pdf', ['application~1pdf'])).toBe(true);
    expect(isBinaryMediaType('IMAGE/PNG; q=1', ['image/png'])).toBe(true);
  });

  it('does not match other types or an empty list', () => {
    expect(isBinaryMediaType('text/plain', ['image/*'])).toBe(false);
    expect(isBinaryMediaType('image/png', [])).toBe(false);
    expect(isBinaryMediaType(undefined, ['image/*'])).toBe(false);
  });
});

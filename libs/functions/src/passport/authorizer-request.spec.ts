import { AuthorizerEventError, authorizerRequest } from './authorizer-request';

const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/pets/7';

describe('authorizerRequest', () => {
  it('makes a TOKEN event a request whose authorization header is the token', () => {
    const req = authorizerRequest({ type: 'TOKEN', authorizationToken: 'Bearer abc', methodArn });
    expect(req).toMatchObject({
      headers: { authorization: 'Bearer abc' },
      query: {},
      params: {},
      method: 'GET',
      path: '/pets/7',
      url: '/pets/7',
      body: undefined,
    });
    expect(req.ip).toBeUndefined();
    expect(req.get('Authorization')).toBe('Bearer abc');
  });

  it('reads a REQUEST event: lower-cased headers, repeated values, the query string, the source IP', () => {
    const req = authorizerRequest({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/POST/orders',
      resource: '/orders',
      path: '/orders',
      httpMethod: 'POST',
      headers: { 'X-Api-Key': 'k2', Accept: 'text/plain' },
      multiValueHeaders: { 'X-Api-Key': ['k1', 'k2'], Accept: ['text/plain'] },
      queryStringParameters: { tenant: 'b', q: 'x y' },
      multiValueQueryStringParameters: { tenant: ['a', 'b'], q: ['x y'] },
      pathParameters: null,
      stageVariables: null,
      requestContext: { identity: { sourceIp: '198.51.100.7' } },
    });
    expect(req.headers).toEqual({ 'x-api-key': 'k1, k2', accept: 'text/plain' });
    expect(req.query).toEqual({ tenant: ['a', 'b'], q: 'x y' });
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/orders');
    expect(req.url).toBe('/orders?tenant=a&tenant=b&q=x+y');
    expect(req.ip).toBe('198.51.100.7');
    expect(req.header('ACCEPT')).toBe('text/plain');
    expect(req.authorizerEvent.httpMethod).toBe('POST');
  });

  it('takes single-value headers and query when the event has no multi-value maps', () => {
    const req = authorizerRequest({
      type: 'REQUEST',
      methodArn,
      headers: { Authorization: 'Bearer t' },
      queryStringParameters: { a: '1' },
    });
    expect(req.headers).toEqual({ authorization: 'Bearer t' });
    expect(req.query).toEqual({ a: '1' });
    // No httpMethod or path in the event: the method ARN's.
    expect([req.method, req.path]).toEqual(['GET', '/pets/7']);
  });

  it('makes a WebSocket $connect event a GET', () => {
    const req = authorizerRequest({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/$connect',
      headers: { Host: 'example.com' },
      requestContext: { eventType: 'CONNECT', routeKey: '$connect', identity: { sourceIp: '::1' } },
    });
    expect([req.method, req.ip, req.headers.host]).toEqual(['GET', '::1', 'example.com']);
  });

  it.each([
    [null, 'not an object'],
    [{ type: 'JWT' }, 'not TOKEN or REQUEST'],
    [{ type: 'TOKEN', methodArn }, 'no authorizationToken'],
  ])('refuses %j', (event, message) => {
    expect(() => authorizerRequest(event)).toThrow(AuthorizerEventError);
    expect(() => authorizerRequest(event)).toThrow(message);
  });
});

import type { GatewayResponse } from '@portico/definitions';
import { testInvocationRequest } from '../integrations/testing/invocation-request.factory';
import { DEFAULT_GATEWAY_RESPONSES, GatewayError } from './gateway-error';
import { GatewayResponses } from './gateway-responses';

const req = testInvocationRequest({
  requestId: '7d5c0a1e-1111-4222-8333-944455556666',
  requestTimeEpoch: Date.UTC(2026, 10, 22, 8, 4, 5),
  httpMethod: 'GET',
  fullPath: '/prod/pets/1',
  sourceIp: '203.0.113.7',
  apiId: 'abc',
  stage: 'prod',
  resourcePath: '/pets/{id}',
  stageVariables: { env: 'staging' },
  headers: { origin: ['https://app.example'], 'x-multi': ['one', 'two'] },
  query: { q: ['search'] },
  pathParameters: { id: '1' },
});

const override = (o: Partial<GatewayResponse>): GatewayResponse => ({
  responseType: 'DEFAULT_4XX',
  responseParameters: {},
  responseTemplates: {},
  ...o,
});

const headerMap = (flat: string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
};

describe('GatewayResponses', () => {
  it.each([
    ['MISSING_AUTHENTICATION_TOKEN', 403, 'Missing Authentication Token'],
    ['ACCESS_DENIED', 403, 'Forbidden'],
    ['REQUEST_TOO_LARGE', 413, 'Request Entity Too Large'],
    ['INTEGRATION_FAILURE', 504, 'Internal server error'],
    ['INTEGRATION_TIMEOUT', 504, 'Endpoint request timed out'],
    ['UNSUPPORTED_MEDIA_TYPE', 415, 'Unsupported Media Type'],
    ['THROTTLED', 429, 'Too Many Requests'],
    ['UNAUTHORIZED', 401, 'Unauthorized'],
  ] as const)('answers %s with AWS default %i {"message":"%s"}', (type, status, message) => {
    const out = GatewayResponses.DEFAULTS.render(GatewayError.of(type), req);
    expect(out.statusCode).toBe(status);
    expect(JSON.parse(out.body)).toEqual({ message });
    expect(headerMap(out.headers)['content-type']).toBe('application/json');
    expect(DEFAULT_GATEWAY_RESPONSES[type].statusCode).toBe(status);
  });

  it('uses the status an integration failure carries', () => {
    const out = GatewayResponses.DEFAULTS.render(
      new GatewayError('INTEGRATION_FAILURE', 502, 'Internal server error'),
      req,
    );
    expect(out.statusCode).toBe(502);
    expect(out.body).toBe('{"message":"Internal server error"}');
  });

  it('escapes messages as JSON', () => {
    const out = GatewayResponses.DEFAULTS.render(
      new GatewayError('DEFAULT_4XX', 400, 'say "hi"\n'),
      req,
    );
    expect(JSON.parse(out.body)).toEqual({ message: 'say "hi"\n' });
  });

  it('renders an override: status, header parameters of every kind, and the template', () => {
    const responses = new GatewayResponses({
      MISSING_AUTHENTICATION_TOKEN: override({
        responseType: 'MISSING_AUTHENTICATION_TOKEN',
        statusCode: '404',
        responseParameters: {
          'gatewayresponse.header.X-Literal': "'missing'",
          'gatewayresponse.header.Access-Control-Allow-Origin': 'method.request.header.Origin',
          'gatewayresponse.header.X-Query': 'method.request.querystring.q',
          'gatewayresponse.header.X-Path': 'method.request.path.id',
          'gatewayresponse.header.X-Env': 'stageVariables.env',
          'gatewayresponse.header.X-Request': 'context.requestId',
          'gatewayresponse.header.X-Ip': 'context.identity.sourceIp',
          'gatewayresponse.header.X-Absent': 'method.request.header.Nope',
          'gatewayresponse.header.X-Multi': 'method.request.header.x-multi',
        },
        responseTemplates: {
          'application/json':
            '{"error":$context.error.messageString,"type":"$context.error.responseType","id":"$context.requestId","stage":"$context.stage","env":"$stageVariables.env","time":"$context.requestTime"}',
        },
      }),
    });
    const out = responses.render(GatewayError.of('MISSING_AUTHENTICATION_TOKEN'), req);
    expect(out.statusCode).toBe(404);
    expect(headerMap(out.headers)).toEqual({
      'X-Literal': 'missing',
      'Access-Control-Allow-Origin': 'https://app.example',
      'X-Query': 'search',
      'X-Path': '1',
      'X-Env': 'staging',
      'X-Request': req.requestId,
      'X-Ip': '203.0.113.7',
      'X-Multi': 'two',
      'content-type': 'application/json',
    });
    expect(JSON.parse(out.body)).toEqual({
      error: 'Missing Authentication Token',
      type: 'MISSING_AUTHENTICATION_TOKEN',
      id: req.requestId,
      stage: 'prod',
      env: 'staging',
      time: '22/Nov/2026:08:04:05 +0000',
    });
  });

  it('falls back to DEFAULT_4XX and DEFAULT_5XX overrides by status class', () => {
    const responses = new GatewayResponses({
      DEFAULT_4XX: override({
        responseParameters: { 'gatewayresponse.header.X-Class': "'4xx'" },
        responseTemplates: { 'application/json': '{"four":$context.error.messageString}' },
      }),
      DEFAULT_5XX: override({
        responseType: 'DEFAULT_5XX',
        statusCode: '503',
        responseTemplates: { 'text/plain': 'five: $context.error.message' },
      }),
    });
    const four = responses.render(GatewayError.of('MISSING_AUTHENTICATION_TOKEN'), req);
    expect(four.statusCode).toBe(403);
    expect(headerMap(four.headers)['X-Class']).toBe('4xx');
    expect(JSON.parse(four.body)).toEqual({ four: 'Missing Authentication Token' });

    const five = responses.render(
      new GatewayError('INTEGRATION_FAILURE', 502, 'Internal server error'),
      req,
    );
    expect(five.statusCode).toBe(503);
    expect(headerMap(five.headers)['content-type']).toBe('text/plain');
    expect(five.body).toBe('five: Internal server error');
  });

  it('prefers the type override over the class fallback', () => {
    const responses = new GatewayResponses({
      DEFAULT_4XX: override({ statusCode: '400' }),
      REQUEST_TOO_LARGE: override({ responseType: 'REQUEST_TOO_LARGE', statusCode: '413' }),
    });
    expect(responses.render(GatewayError.of('REQUEST_TOO_LARGE'), req).statusCode).toBe(413);
    expect(responses.render(GatewayError.of('THROTTLED'), req).statusCode).toBe(400);
  });

  it('keeps the default body when an override has headers only', () => {
    const responses = new GatewayResponses({
      ACCESS_DENIED: override({
        responseType: 'ACCESS_DENIED',
        responseParameters: { 'gatewayresponse.header.WWW-Authenticate': "'Bearer'" },
      }),
    });
    const out = responses.render(GatewayError.of('ACCESS_DENIED'), req);
    expect(out.statusCode).toBe(403);
    expect(headerMap(out.headers)['WWW-Authenticate']).toBe('Bearer');
    expect(out.body).toBe('{"message":"Forbidden"}');
  });

  it('falls back to the default body when the template is broken, and says why', () => {
    const responses = new GatewayResponses({
      DEFAULT_4XX: override({ responseTemplates: { 'application/json': '#if(' } }),
    });
    const out = responses.render(GatewayError.of('MISSING_AUTHENTICATION_TOKEN'), req);
    expect(out.statusCode).toBe(403);
    expect(out.body).toBe('{"message":"Missing Authentication Token"}');
    expect(out.renderError).toBeDefined();
  });

  it('ignores header parameters it cannot send and status codes that are not statuses', () => {
    const responses = new GatewayResponses({
      DEFAULT_4XX: override({
        statusCode: '99',
        responseParameters: {
          'gatewayresponse.header.Bad Name': "'x'",
          'gatewayresponse.header.X-Bad-Value': "'a\nb'",
          'gatewayresponse.header.X-Unknown-Source': 'somewhere.else',
          'method.response.header.X-Not-Gateway': "'x'",
          'gatewayresponse.header.X-Good': "'ok'",
        },
      }),
    });
    const out = responses.render(GatewayError.of('MISSING_AUTHENTICATION_TOKEN'), req);
    expect(out.statusCode).toBe(403);
    expect(headerMap(out.headers)).toEqual({ 'X-Good': 'ok', 'content-type': 'application/json' });
  });

  it('renders defaults when there is no request to refer to (unknown API)', () => {
    const responses = new GatewayResponses({ DEFAULT_4XX: override({ statusCode: '418' }) });
    expect(responses.render(GatewayError.of('ACCESS_DENIED'), undefined).statusCode).toBe(403);
  });
});

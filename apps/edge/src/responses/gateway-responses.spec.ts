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
  // Statuses from AWS's table of gateway response types ("Default status code").
  it.each([
    ['ACCESS_DENIED', 403, 'Forbidden'],
    ['API_CONFIGURATION_ERROR', 500, 'Internal server error'],
    // A broken authorizer: `{"message": null}`, as API Gateway answers it.
    ['AUTHORIZER_CONFIGURATION_ERROR', 500, null],
    ['AUTHORIZER_FAILURE', 500, null],
    ['BAD_REQUEST_PARAMETERS', 400, 'Bad Request'],
    ['BAD_REQUEST_BODY', 400, 'Invalid request body'],
    ['EXPIRED_TOKEN', 403, 'The security token included in the request is expired'],
    ['INTEGRATION_FAILURE', 504, 'Internal server error'],
    ['INTEGRATION_TIMEOUT', 504, 'Endpoint request timed out'],
    ['INVALID_API_KEY', 403, 'Forbidden'],
    ['INVALID_SIGNATURE', 403, 'Invalid request signature'],
    ['MISSING_AUTHENTICATION_TOKEN', 403, 'Missing Authentication Token'],
    ['QUOTA_EXCEEDED', 429, 'Limit Exceeded'],
    ['REQUEST_TOO_LARGE', 413, 'Request Entity Too Large'],
    ['RESOURCE_NOT_FOUND', 404, 'Not Found'],
    ['THROTTLED', 429, 'Too Many Requests'],
    ['UNAUTHORIZED', 401, 'Unauthorized'],
    ['UNSUPPORTED_MEDIA_TYPE', 415, 'Unsupported Media Type'],
    ['WAF_FILTERED', 403, 'Forbidden'],
  ] as const)('answers %s with AWS default %i {"message":"%s"}', (type, status, message) => {
    const out = GatewayResponses.DEFAULTS.render(GatewayError.of(type), req);
    expect(out.statusCode).toBe(status);
    expect(JSON.parse(out.body)).toEqual({ message });
    expect(headerMap(out.headers)['content-type']).toBe('application/json');
    expect(DEFAULT_GATEWAY_RESPONSES[type].statusCode).toBe(status);
  });

  it.each([
    ['MISSING_AUTHENTICATION_TOKEN', 'MissingAuthenticationTokenException'],
    ['ACCESS_DENIED', 'ForbiddenException'],
    ['INVALID_API_KEY', 'ForbiddenException'],
    ['UNAUTHORIZED', 'UnauthorizedException'],
    ['AUTHORIZER_CONFIGURATION_ERROR', 'AuthorizerConfigurationException'],
    ['API_CONFIGURATION_ERROR', 'InternalServerErrorException'],
    ['INTEGRATION_FAILURE', 'InternalServerErrorException'],
    ['INTEGRATION_TIMEOUT', undefined],
    ['THROTTLED', undefined],
  ] as const)('answers %s with x-amzn-ErrorType %s, as AWS does', (type, errorType) => {
    const out = GatewayResponses.DEFAULTS.render(GatewayError.of(type), req);
    expect(headerMap(out.headers)['x-amzn-ErrorType']).toBe(errorType);
  });

  it('keeps x-amzn-ErrorType when an API customises the response, and no override can set it', () => {
    const responses = new GatewayResponses({
      MISSING_AUTHENTICATION_TOKEN: {
        responseType: 'MISSING_AUTHENTICATION_TOKEN',
        statusCode: '404',
        responseParameters: { 'gatewayresponse.header.x-amzn-ErrorType': "'Spoofed'" },
        responseTemplates: {},
      },
    });
    const out = responses.render(GatewayError.of('MISSING_AUTHENTICATION_TOKEN'), req);
    expect(out.statusCode).toBe(404);
    const errorTypes = out.headers.filter(
      (_v, i) => i % 2 === 0 && out.headers[i]!.toLowerCase() === 'x-amzn-errortype',
    );
    expect(errorTypes).toHaveLength(1);
    expect(headerMap(out.headers)['x-amzn-ErrorType']).toBe('MissingAuthenticationTokenException');
  });

  it('sends no InternalServerErrorException with a 503 that is not an internal error', () => {
    const out = GatewayResponses.DEFAULTS.render(
      new GatewayError('INTEGRATION_FAILURE', 503, 'Service Unavailable'),
      req,
    );
    expect(headerMap(out.headers)['x-amzn-ErrorType']).toBeUndefined();
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
      'x-amzn-ErrorType': 'MissingAuthenticationTokenException',
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

  it('substitutes variables only: templates are not VTL (AWS: "simple variable substitution")', () => {
    const responses = new GatewayResponses({
      DEFAULT_4XX: override({
        responseTemplates: {
          'application/json':
            '#if($x) {"m":$context.error.messageString,"s":"${stageVariables.env}","u":"$util.escapeJavaScript(1)","q":\'static\',"n":"$context.nope.deeper","i":"$input.params(\'q\')"} #end',
        },
      }),
    });
    const out = responses.render(GatewayError.of('MISSING_AUTHENTICATION_TOKEN'), req);
    expect(out.statusCode).toBe(403);
    expect(out.body).toBe(
      '#if($x) {"m":"Missing Authentication Token","s":"staging","u":"$util.escapeJavaScript(1)","q":\'static\',"n":"","i":"$input.params(\'q\')"} #end',
    );
  });

  it('quotes and escapes $context.error.messageString as a JSON string', () => {
    const responses = new GatewayResponses({
      DEFAULT_4XX: override({
        responseTemplates: { 'application/json': '{"m":$context.error.messageString}' },
      }),
    });
    const out = responses.render(new GatewayError('DEFAULT_4XX', 400, 'say "hi"\\n'), req);
    expect(JSON.parse(out.body)).toEqual({ m: 'say "hi"\\n' });
  });

  it('joins every value of multi-value sources and takes the last of single-value ones', () => {
    const multi = testInvocationRequest({
      headers: { 'x-multi': ['one', 'two'] },
      query: { tag: ['a', 'b'] },
    });
    const responses = new GatewayResponses({
      ACCESS_DENIED: override({
        responseType: 'ACCESS_DENIED',
        responseParameters: {
          'gatewayresponse.header.X-All': 'method.request.multivalueheader.X-Multi',
          'gatewayresponse.header.X-Last': 'method.request.header.X-Multi',
          'gatewayresponse.header.X-Tags': 'method.request.multivaluequerystring.tag',
          'gatewayresponse.header.X-Tag': 'method.request.querystring.tag',
        },
      }),
    });
    expect(headerMap(responses.render(GatewayError.of('ACCESS_DENIED'), multi).headers)).toEqual({
      'x-amzn-ErrorType': 'ForbiddenException',
      'X-All': 'one,two',
      'X-Last': 'two',
      'X-Tags': 'a,b',
      'X-Tag': 'b',
      'content-type': 'application/json',
    });
  });

  it('never lets a header parameter reframe the response, and lets it set Content-Type', () => {
    const responses = new GatewayResponses({
      DEFAULT_4XX: override({
        responseParameters: {
          'gatewayresponse.header.Content-Length': "'0'",
          'gatewayresponse.header.Transfer-Encoding': "'chunked'",
          'gatewayresponse.header.Connection': "'keep-alive'",
          'gatewayresponse.header.x-amzn-RequestId': "'forged'",
          'gatewayresponse.header.Content-Type': "'application/problem+json'",
        },
        responseTemplates: { 'application/json': '{"t":"$context.error.responseType"}' },
      }),
    });
    const out = responses.render(GatewayError.of('MISSING_AUTHENTICATION_TOKEN'), req);
    expect(out.headers).toEqual([
      'x-amzn-ErrorType',
      'MissingAuthenticationTokenException',
      'Content-Type',
      'application/problem+json',
    ]);
    expect(JSON.parse(out.body)).toEqual({ t: 'MISSING_AUTHENTICATION_TOKEN' });
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
    expect(headerMap(out.headers)).toEqual({
      'x-amzn-ErrorType': 'MissingAuthenticationTokenException',
      'X-Good': 'ok',
      'content-type': 'application/json',
    });
  });

  it('renders defaults when there is no request to refer to (unknown API)', () => {
    const responses = new GatewayResponses({ DEFAULT_4XX: override({ statusCode: '418' }) });
    expect(responses.render(GatewayError.of('ACCESS_DENIED'), undefined).statusCode).toBe(403);
  });
});

import {
  testIntegration,
  testIntegrationResponse as response,
  testInvocationRequest,
} from '../testing/invocation-request.factory';
import { bodyText, rejectionOf } from '../testing/read-response.fixture';
import { MockIntegration, statusCodeOf } from './mock.integration';

describe('MOCK integration', () => {
  const mock = new MockIntegration('123456789012');
  const integration = testIntegration({
    type: 'MOCK',
    requestTemplates: {
      'application/json':
        '{ #if( $input.params(\'scope\') == "internal" ) "statusCode": 200 #else "statusCode": 500 #end }',
    },
    passthroughBehavior: 'WHEN_NO_MATCH',
    responses: [
      response('default', '200', {
        responseParameters: { 'method.response.header.Access-Control-Allow-Origin': "'*'" },
        responseTemplates: {
          'application/json':
            '{"ok": true, "pet": $input.json(\'$.pet\'), "req": "$context.requestId"}',
        },
      }),
      response('5\\d{2}', '500', {
        responseTemplates: {
          'application/json': '{"message": "The invoked method is not supported"}',
        },
      }),
    ],
  });

  it('selects the response by the statusCode the request template renders', async () => {
    const ok = await mock.invoke(
      integration,
      testInvocationRequest({ query: { scope: ['internal'] }, body: '{"pet":"Rex"}' }),
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.headers).toEqual({
      'Access-Control-Allow-Origin': '*',
      'Content-Type': 'application/json',
    });
    expect(JSON.parse(await bodyText(ok))).toEqual({
      ok: true,
      pet: 'Rex',
      req: 'c0ffee00-0000-4000-8000-000000000001',
    });

    const denied = await mock.invoke(
      integration,
      testInvocationRequest({ query: { scope: ['public'] } }),
    );
    expect(denied.statusCode).toBe(500);
    expect(JSON.parse(await bodyText(denied))).toEqual({
      message: 'The invoked method is not supported',
    });
  });

  it('shows header names in $input.params() as the client spelled them', async () => {
    const res = await mock.invoke(
      {
        ...integration,
        requestTemplates: {},
        responses: [
          response('default', '200', {
            responseTemplates: {
              'application/json': "$input.params().header.get('X-Trace')|$input.params('x-trace')",
            },
          }),
        ],
      },
      testInvocationRequest({ headers: { 'x-trace': ['t-1'] }, rawHeaders: ['X-Trace', 't-1'] }),
    );
    expect(await bodyText(res)).toBe('t-1|t-1');
  });

  it('lets a response template override status and headers through $context.responseOverride', async () => {
    const overriding = (template: string) => ({
      ...integration,
      requestTemplates: {},
      responses: [
        response('default', '200', { responseTemplates: { 'application/json': template } }),
      ],
    });
    const res = await mock.invoke(
      overriding(
        '#set($context.responseOverride.status = 418)#set($context.responseOverride.header.X-Tea = "earl grey")short and stout',
      ),
      testInvocationRequest(),
    );
    expect(res.statusCode).toBe(418);
    expect(res.headers).toMatchObject({ 'X-Tea': 'earl grey' });
    expect(await bodyText(res)).toBe('short and stout');

    const bad = await rejectionOf(
      mock.invoke(
        overriding('#set($context.responseOverride.status = "teapot")'),
        testInvocationRequest(),
      ),
    );
    expect(bad).toMatchObject({ statusCode: 500, responseType: 'API_CONFIGURATION_ERROR' });
  });

  it('answers with the default response when there is no request template', async () => {
    const res = await mock.invoke(
      { ...integration, requestTemplates: {}, responses: [response('default', '204')] },
      testInvocationRequest(),
    );
    expect(res.statusCode).toBe(204);
    expect(await bodyText(res)).toBe('');
  });

  it('answers 500, as AWS, when no response matches and there is no default', async () => {
    const err = await rejectionOf(
      mock.invoke(
        { ...integration, responses: [response('2\\d{2}', '200')] },
        testInvocationRequest({ query: {} }),
      ),
    );
    expect(err).toMatchObject({ statusCode: 500, responseType: 'API_CONFIGURATION_ERROR' });
  });

  it('answers 415 when passthroughBehavior is NEVER and the media type has no template', async () => {
    const err = await rejectionOf(
      mock.invoke(
        { ...integration, passthroughBehavior: 'NEVER' },
        testInvocationRequest({ headers: { 'content-type': ['text/plain'] }, body: 'x' }),
      ),
    );
    expect(err).toMatchObject({ statusCode: 415, responseType: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});

describe('statusCodeOf', () => {
  it('reads statusCode from JSON, loose JSON, or not at all', () => {
    expect(statusCodeOf('{"statusCode": 201}')).toBe('201');
    expect(statusCodeOf('{"statusCode": "404"}')).toBe('404');
    expect(statusCodeOf('{ "statusCode": 500 , }')).toBe('500');
    expect(statusCodeOf('{"other": 1}')).toBeUndefined();
    expect(statusCodeOf('not json')).toBeUndefined();
  });

  it('answers a repeated text as the first time, and a new text afresh', () => {
    expect(statusCodeOf('{"statusCode": 202}')).toBe('202');
    expect(statusCodeOf('{"statusCode": 202}')).toBe('202');
    expect(statusCodeOf('{"statusCode": 203}')).toBe('203');
    expect(statusCodeOf('{"nothing": 1}')).toBeUndefined();
    expect(statusCodeOf('{"nothing": 1}')).toBeUndefined();
    expect(statusCodeOf('{"statusCode": 202}')).toBe('202');
  });
});

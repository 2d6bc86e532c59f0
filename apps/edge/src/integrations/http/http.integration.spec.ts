import { IntegrationFailure } from '../integration.types';
import {
  startTestUpstream,
  testUpstreamClient,
  type TestUpstream,
} from '../testing/http-upstream.fixture';
import {
  testIntegration,
  testIntegrationResponse as response,
  testInvocationRequest,
} from '../testing/invocation-request.factory';
import { bodyText, rejectionOf } from '../testing/read-response.fixture';
import { HttpIntegration } from './http.integration';
import type { UpstreamClient } from './upstream-client';

describe('HTTP (non-proxy) integration', () => {
  let client: UpstreamClient;
  let http: HttpIntegration;
  let upstream: TestUpstream;

  beforeAll(async () => {
    client = testUpstreamClient();
    http = new HttpIntegration(client, 64 * 1024, '123456789012');
    upstream = await startTestUpstream((req, res, body) => {
      const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 200);
      if (req.url?.startsWith('/huge')) {
        res.end(Buffer.alloc(128 * 1024));
        return;
      }
      if (req.url?.startsWith('/stall')) {
        // Headers and a first chunk, then nothing: the body never completes.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":');
        return;
      }
      if (req.url?.startsWith('/split')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'p-1\r\nSet-Cookie: session=stolen' }));
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json', 'x-backend-version': '3' });
      res.end(
        JSON.stringify({
          got: body.toString(),
          url: req.url,
          ctype: req.headers['content-type'] ?? null,
          id: 'p-1',
        }),
      );
    });
  });

  afterAll(async () => {
    await client.close();
    await upstream.close();
  });

  const integration = testIntegration({
    type: 'HTTP',
    httpMethod: 'POST',
    uri: `http://127.0.0.1:0/placeholder`,
    requestTemplates: {
      'application/json':
        '{"petName": $input.json(\'$.name\'), "stage": "$context.stage", "color": "$stageVariables.color"}',
      'application/xml': "<name>$input.path('$')</name>",
    },
    passthroughBehavior: 'WHEN_NO_TEMPLATES',
    requestParameters: {
      'integration.request.querystring.status': 'method.request.querystring.want',
    },
    responses: [
      response('default', '200', {
        responseParameters: {
          'method.response.header.X-Version': 'integration.response.header.x-backend-version',
          'method.response.header.X-Pet-Id': 'integration.response.body.id',
        },
        responseTemplates: {
          'application/json': '{"sent": $input.json(\'$.got\'), "id": "$input.path(\'$.id\')"}',
        },
      }),
      response('4\\d{2}', '400', {
        responseTemplates: { 'application/json': '{"error": "bad: $input.path(\'$.id\')"}' },
      }),
      response('5\\d{2}', '502'),
    ],
  });
  const withUri = (path: string) => ({ ...integration, uri: `${upstream.url}${path}` });

  it('renders the request template, sends only mapped parameters, and maps the response', async () => {
    const res = await http.invoke(
      withUri('/pets'),
      testInvocationRequest({
        httpMethod: 'PUT',
        headers: { 'content-type': ['application/json'], 'x-not-forwarded': ['1'] },
        query: { want: ['201'], other: ['x'] },
        rawQuery: 'want=201&other=x',
        stageVariables: { color: 'blue' },
        body: '{"name":"Rex"}',
      }),
    );
    const seen = upstream.requests.at(-1);
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/pets?status=201');
    expect(seen?.headers['x-not-forwarded']).toBeUndefined();
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen?.body.toString() ?? '')).toEqual({
      petName: 'Rex',
      stage: 'prod',
      color: 'blue',
    });

    expect(res.statusCode).toBe(200); // 201 from the backend selects the default response
    expect(res.headers).toMatchObject({
      'X-Version': '3',
      'X-Pet-Id': 'p-1',
      'Content-Type': 'application/json',
    });
    expect(JSON.parse(await bodyText(res))).toEqual({
      sent: '{"petName": "Rex", "stage": "prod", "color": "blue"}',
      id: 'p-1',
    });
  });

  it('forwards mapped path parameters as the pipeline encoded them', async () => {
    await http.invoke(
      {
        ...withUri('/pets/{petId}/{owner}/{rest}'),
        requestParameters: {
          'integration.request.path.petId': 'method.request.path.id',
          'integration.request.path.owner': 'method.request.header.x-owner',
          'integration.request.path.rest': 'method.request.path.proxy',
        },
      },
      testInvocationRequest({
        resourcePath: '/pets/{id}/{proxy+}',
        headers: { 'content-type': ['application/json'], 'x-owner': ['o/1'] },
        pathParameters: { id: 'a/b', proxy: 'x:y/z' },
        rawPathParameters: { id: 'a%2Fb', proxy: 'x:y/z' },
        body: '{"name":"Rex"}',
      }),
    );
    expect(upstream.requests.at(-1)?.url).toBe('/pets/a%2Fb/o%2F1/x:y/z');
  });

  it('selects the integration response whose pattern matches the backend status', async () => {
    const res = await http.invoke(
      withUri('/pets'),
      testInvocationRequest({
        query: { want: ['404'] },
        rawQuery: 'want=404',
        body: '{}',
        headers: {},
      }),
    );
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(await bodyText(res))).toEqual({ error: 'bad: p-1' });
  });

  it('passes the backend body through when the selected response has no template', async () => {
    const res = await http.invoke(
      withUri('/pets'),
      testInvocationRequest({
        query: { want: ['503'] },
        rawQuery: 'want=503',
        body: '{"name":"x"}',
      }),
    );
    expect(res.statusCode).toBe(502);
    expect(JSON.parse(await bodyText(res))).toMatchObject({ id: 'p-1' });
    expect(res.headers['Content-Type']).toBe('application/json');
  });

  it('uses the template for the request media type', async () => {
    await http.invoke(
      withUri('/xml'),
      testInvocationRequest({ headers: { 'content-type': ['application/xml'] }, body: 'plain' }),
    );
    expect(upstream.requests.at(-1)?.body.toString()).toBe('<name>plain</name>');
    expect(upstream.requests.at(-1)?.headers['content-type']).toBe('application/xml');
  });

  it('answers 415 for an unmatched media type unless passthroughBehavior allows it', async () => {
    const err = await rejectionOf(
      http.invoke(
        withUri('/pets'),
        testInvocationRequest({ headers: { 'content-type': ['text/plain'] }, body: 'hi' }),
      ),
    );
    expect(err).toBeInstanceOf(IntegrationFailure);
    expect(err).toMatchObject({ statusCode: 415, responseType: 'UNSUPPORTED_MEDIA_TYPE' });

    const res = await http.invoke(
      { ...withUri('/pets'), passthroughBehavior: 'WHEN_NO_MATCH' },
      testInvocationRequest({ headers: { 'content-type': ['text/plain'] }, body: 'hi' }),
    );
    await bodyText(res);
    expect(upstream.requests.at(-1)?.body.toString()).toBe('hi');
    expect(upstream.requests.at(-1)?.headers['content-type']).toBe('text/plain');
  });

  it('answers 500 when no integration response matches and there is no default', async () => {
    const err = await rejectionOf(
      http.invoke(
        { ...withUri('/pets'), responses: [response('2\\d{2}', '200')] },
        testInvocationRequest({ query: { want: ['404'] }, rawQuery: 'want=404', body: '{}' }),
      ),
    );
    expect(err).toMatchObject({ statusCode: 500, responseType: 'API_CONFIGURATION_ERROR' });
  });

  it('answers 500 for a broken request template', async () => {
    const err = await rejectionOf(
      http.invoke(
        { ...withUri('/pets'), requestTemplates: { 'application/json': '#if(' } },
        testInvocationRequest(),
      ),
    );
    expect(err).toMatchObject({ statusCode: 500, responseType: 'API_CONFIGURATION_ERROR' });
  });

  it('answers 504 when the backend stalls in the middle of its body', async () => {
    const err = await rejectionOf(
      http.invoke(
        { ...withUri('/stall'), timeoutInMillis: 200 },
        testInvocationRequest({ body: '{}' }),
      ),
    );
    expect(err).toMatchObject({
      statusCode: 504,
      responseType: 'INTEGRATION_TIMEOUT',
      clientMessage: 'Endpoint request timed out',
    });
  });

  it('answers 502 when a backend value mapped to a header holds CR/LF', async () => {
    const err = await rejectionOf(
      http.invoke(withUri('/split'), testInvocationRequest({ body: '{}' })),
    );
    expect(err).toMatchObject({ statusCode: 502, responseType: 'INTEGRATION_FAILURE' });
    expect((err as Error).message).toMatch(/X-Pet-Id/);
  });

  it('refuses a backend response larger than the buffering limit with 502', async () => {
    const err = await rejectionOf(
      http.invoke(withUri('/huge'), testInvocationRequest({ body: '{}' })),
    );
    expect(err).toMatchObject({ statusCode: 502, responseType: 'INTEGRATION_FAILURE' });
  });
});

import { IntegrationFailure } from '../integration.types';
import { testInvocationRequest } from '../testing/invocation-request.factory';
import {
  mappingsNeedRequestBody,
  mapRequestParameters,
  mapResponseParameters,
} from './parameter-mapping';
import { buildTemplateContext } from './template-context';

describe('mapRequestParameters', () => {
  const req = testInvocationRequest({
    pathParameters: { id: '42' },
    query: { tag: ['a', 'b'], q: ['x'] },
    headers: { 'x-tenant': ['t1'], accept: ['text/html', 'application/json'] },
    stageVariables: { env: 'blue' },
  });
  const sources = { req, context: buildTemplateContext(req) };

  it('maps path, query string and header sources to path, query string and header targets', () => {
    const mapped = mapRequestParameters(
      {
        'integration.request.path.petId': 'method.request.path.id',
        'integration.request.querystring.tag': 'method.request.querystring.tag',
        'integration.request.multivaluequerystring.tags':
          'method.request.multivaluequerystring.tag',
        'integration.request.header.X-Tenant-Id': 'method.request.header.X-Tenant',
        'integration.request.multivalueheader.X-Accept-All':
          'method.request.multivalueheader.Accept',
      },
      sources,
    );
    expect(mapped).toEqual({
      path: { petId: '42' },
      // No rawPathParameters on this request: nothing encoded to carry over.
      rawPath: {},
      querystring: { tag: ['b'], tags: ['a', 'b'] },
      header: { 'x-tenant-id': ['t1'], 'x-accept-all': ['text/html', 'application/json'] },
    });
  });

  it('maps literals, stage variables and context variables', () => {
    const mapped = mapRequestParameters(
      {
        'integration.request.header.x-env': 'stageVariables.env',
        'integration.request.header.x-request-id': 'context.requestId',
        'integration.request.header.x-ip': 'context.identity.sourceIp',
        'integration.request.querystring.v': "'2'",
      },
      sources,
    );
    expect(mapped.header).toEqual({
      'x-env': ['blue'],
      'x-request-id': [req.requestId],
      'x-ip': ['192.0.2.10'],
    });
    expect(mapped.querystring).toEqual({ v: ['2'] });
  });

  it('leaves out parameters whose source is absent', () => {
    const mapped = mapRequestParameters(
      {
        'integration.request.header.x-a': 'method.request.header.missing',
        'integration.request.querystring.b': 'method.request.querystring.missing',
        'integration.request.path.c': 'stageVariables.missing',
      },
      sources,
    );
    expect(mapped).toEqual({ path: {}, rawPath: {}, querystring: {}, header: {} });
  });

  it('reads the body and JSON paths in it when asked', () => {
    const mappings = {
      'integration.request.header.x-body': 'method.request.body',
      'integration.request.header.x-name': 'method.request.body.pet.name',
      'integration.request.header.x-tags': 'method.request.body.pet.tags',
    };
    expect(mappingsNeedRequestBody(mappings)).toBe(true);
    expect(mappingsNeedRequestBody({ 'integration.request.header.a': "'x'" })).toBe(false);
    const body = '{"pet":{"name":"Rex","tags":[1,2]}}';
    expect(mapRequestParameters(mappings, { ...sources, body }).header).toEqual({
      'x-body': [body],
      'x-name': ['Rex'],
      'x-tags': ['[1,2]'],
    });
  });

  it('carries the encoded form of a path parameter mapped straight to a path target', () => {
    const encoded = testInvocationRequest({
      pathParameters: { id: 'a/b', proxy: 'x:y/z w' },
      rawPathParameters: { id: 'a%2Fb', proxy: 'x:y/z%20w' },
      headers: { 'x-seg': ['h/1'] },
      stageVariables: { seg: 's/v' },
    });
    const mapped = mapRequestParameters(
      {
        'integration.request.path.petId': 'method.request.path.id',
        'integration.request.path.rest': 'method.request.path.proxy',
        'integration.request.path.fromHeader': 'method.request.header.x-seg',
        'integration.request.path.fromStage': 'stageVariables.seg',
        'integration.request.path.literal': "'l/1'",
        'integration.request.path.absent': 'method.request.path.none',
        'integration.request.querystring.id': 'method.request.path.id',
      },
      { req: encoded, context: {} },
    );
    expect(mapped.path).toEqual({
      petId: 'a/b',
      rest: 'x:y/z w',
      fromHeader: 'h/1',
      fromStage: 's/v',
      literal: 'l/1',
    });
    // Only path targets with a method path source get the encoded value; the rest re-encode.
    expect(mapped.rawPath).toEqual({ petId: 'a%2Fb', rest: 'x:y/z%20w' });
    expect(mapped.querystring).toEqual({ id: ['a/b'] });
  });

  it('builds a lazy context only when an expression reads context', () => {
    const build = jest.fn(() => ({ requestId: 'lazy-1' }));
    const plain = mapRequestParameters(
      { 'integration.request.path.id': 'method.request.path.id' },
      { req, context: build },
    );
    expect(plain.path).toEqual({ id: '42' });
    expect(build).not.toHaveBeenCalled();
    const withContext = mapRequestParameters(
      { 'integration.request.header.x-request-id': 'context.requestId' },
      { req, context: build },
    );
    expect(withContext.header).toEqual({ 'x-request-id': ['lazy-1'] });
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('rejects expressions it does not know with a configuration error', () => {
    expect(() => mapRequestParameters({ 'integration.request.cookie.a': "'x'" }, sources)).toThrow(
      IntegrationFailure,
    );
    const err = (() => {
      try {
        mapRequestParameters(
          { 'integration.request.header.a': 'method.request.cookie.b' },
          sources,
        );
      } catch (e) {
        return e as IntegrationFailure;
      }
      return undefined;
    })();
    expect(err?.statusCode).toBe(500);
    expect(err?.responseType).toBe('API_CONFIGURATION_ERROR');
    expect(err?.message).toContain('method.request.cookie.b');
  });
});

describe('mapped header values', () => {
  const req = testInvocationRequest({
    query: { q: ['a\r\nX-Admin: 1'] },
    stageVariables: { bad: 'v\nw' },
  });
  const sources = { req, context: buildTemplateContext(req), body: '{"n":"x\\r\\ny"}' };
  const failure = (mappings: Record<string, string>): unknown => {
    try {
      mapRequestParameters(mappings, sources);
    } catch (err) {
      return err;
    }
    return undefined;
  };

  it('refuses CR/LF from the client with 400 and from the definition with 500', () => {
    expect(
      failure({ 'integration.request.header.x-q': 'method.request.querystring.q' }),
    ).toMatchObject({
      statusCode: 400,
      responseType: 'BAD_REQUEST_PARAMETERS',
    });
    expect(failure({ 'integration.request.header.x-n': 'method.request.body.n' })).toMatchObject({
      statusCode: 400,
    });
    expect(failure({ 'integration.request.header.x-s': 'stageVariables.bad' })).toMatchObject({
      statusCode: 500,
      responseType: 'API_CONFIGURATION_ERROR',
    });
    expect(failure({ 'integration.request.header.bad name': "'v'" })).toMatchObject({
      statusCode: 500,
      message: expect.stringContaining('Invalid header name'),
    });
  });

  it('lets the same values through to the query string, where they are encoded', () => {
    expect(
      mapRequestParameters(
        { 'integration.request.querystring.q': 'method.request.querystring.q' },
        sources,
      ).querystring,
    ).toEqual({ q: ['a\r\nX-Admin: 1'] });
  });

  it('refuses CR/LF from the backend with 502', () => {
    expect(() =>
      mapResponseParameters(
        { 'method.response.header.X-Id': 'integration.response.body.id' },
        { headers: {}, body: '{"id":"a\\nb"}', stageVariables: {}, context: {} },
      ),
    ).toThrow(expect.objectContaining({ statusCode: 502, responseType: 'INTEGRATION_FAILURE' }));
  });
});

describe('mapResponseParameters', () => {
  const sources = {
    headers: { 'x-backend': ['b1'], 'set-cookie': ['a=1', 'b=2'] },
    body: '{"id":"p-1","meta":{"count":3}}',
    stageVariables: { region: 'eu' },
    context: { requestId: 'r-9' },
  };

  it('maps backend headers, body, JSON paths, literals, stage and context variables', () => {
    expect(
      mapResponseParameters(
        {
          'method.response.header.X-From': 'integration.response.header.X-Backend',
          'method.response.header.X-Cookies': 'integration.response.multivalueheader.Set-Cookie',
          'method.response.header.X-Id': 'integration.response.body.id',
          'method.response.header.X-Count': 'integration.response.body.meta.count',
          'method.response.header.X-Raw': 'integration.response.body',
          'method.response.header.Access-Control-Allow-Origin': "'*'",
          'method.response.header.X-Region': 'stageVariables.region',
          'method.response.header.X-Req': 'context.requestId',
        },
        sources,
      ),
    ).toEqual({
      'X-From': 'b1',
      'X-Cookies': 'a=1,b=2',
      'X-Id': 'p-1',
      'X-Count': '3',
      'X-Raw': sources.body,
      'Access-Control-Allow-Origin': '*',
      'X-Region': 'eu',
      'X-Req': 'r-9',
    });
  });

  it('skips a JSON path into a body that is not JSON', () => {
    expect(
      mapResponseParameters(
        { 'method.response.header.X-Id': 'integration.response.body.id' },
        { ...sources, body: 'nope' },
      ),
    ).toEqual({});
  });

  it('rejects a target that is not a method response header', () => {
    expect(() => mapResponseParameters({ 'method.response.body': "'x'" }, sources)).toThrow(
      /Invalid response parameter target/,
    );
  });
});

import { testInvocationRequest as invocationRequest } from '../testing/invocation-request.factory';
import { buildWebSocketEvent, convertWebSocketResult } from './websocket-event';

describe('WebSocket function events', () => {
  const ws = { routeKey: 'send', connectionId: 'abc', connectedAt: 1000 };

  it('gives a message its body, messageId and the request context AWS sends', () => {
    const req = invocationRequest({ apiId: 'chat', stage: 'prod', requestTimeEpoch: 2000 });
    const event = buildWebSocketEvent(
      req,
      { ...ws, eventType: 'MESSAGE', messageId: 'm1' },
      Buffer.from('{"a":1}'),
    );
    expect(event).toMatchObject({
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'send',
        eventType: 'MESSAGE',
        messageId: 'm1',
        connectionId: 'abc',
        connectedAt: 1000,
        requestTimeEpoch: 2000,
        apiId: 'chat',
        stage: 'prod',
        messageDirection: 'IN',
      },
    });
    expect(event).not.toHaveProperty('headers');
  });

  it("carries the $connect authorizer's principal and context, flattened, only when there is one", () => {
    const authorizer = { principalId: 'u1', context: { tier: 'gold', n: 3, ok: true } };
    for (const eventType of ['CONNECT', 'MESSAGE', 'DISCONNECT'] as const) {
      const event = buildWebSocketEvent(
        invocationRequest({ authorizer }),
        { ...ws, eventType },
        undefined,
      );
      expect((event.requestContext as Record<string, unknown>).authorizer).toEqual({
        principalId: 'u1',
        tier: 'gold',
        n: 3,
        ok: true,
      });
    }
    const plain = buildWebSocketEvent(
      invocationRequest(),
      { ...ws, eventType: 'MESSAGE' },
      undefined,
    );
    expect(plain.requestContext).not.toHaveProperty('authorizer');
  });

  it('base64-encodes a binary frame', () => {
    const event = buildWebSocketEvent(
      invocationRequest(),
      { ...ws, eventType: 'MESSAGE', isBinary: true },
      Buffer.from([0xff, 0x00]),
    );
    expect(event).toMatchObject({ body: '/wA=', isBase64Encoded: true });
  });

  it('gives $connect the headers and query string, and $disconnect the close code', () => {
    const req = invocationRequest({ query: { name: ['bo'] }, headers: { 'x-a': ['1'] } });
    const connect = buildWebSocketEvent(req, { ...ws, eventType: 'CONNECT' }, undefined);
    expect(connect).toMatchObject({ queryStringParameters: { name: 'bo' } });
    expect(connect.headers).toMatchObject({ 'x-a': '1' });
    const disconnect = buildWebSocketEvent(
      invocationRequest(),
      {
        ...ws,
        eventType: 'DISCONNECT',
        disconnectStatusCode: 1001,
        disconnectReason: 'Going away',
      },
      undefined,
    );
    expect(disconnect.requestContext).toMatchObject({
      disconnectStatusCode: 1001,
      disconnectReason: 'Going away',
    });
    expect(disconnect).not.toHaveProperty('queryStringParameters');
  });
});

describe('convertWebSocketResult', () => {
  it('accepts nothing, a string, an object body and base64', () => {
    expect(convertWebSocketResult(undefined)).toEqual({ statusCode: 200, headers: {}, body: '' });
    expect(convertWebSocketResult('hi')).toEqual({ statusCode: 200, headers: {}, body: 'hi' });
    expect(convertWebSocketResult({ statusCode: '401', body: { a: 1 }, extra: true })).toEqual({
      statusCode: 401,
      headers: {},
      body: '{"a":1}',
    });
    const bin = convertWebSocketResult({
      body: '/wA=',
      isBase64Encoded: true,
      headers: { 'X-N': 1 },
    });
    expect(bin).toEqual({ statusCode: 200, headers: { 'X-N': '1' }, body: Buffer.from([0xff, 0]) });
  });

  it('refuses a status outside 100-599 and non-object headers', () => {
    expect(convertWebSocketResult({ statusCode: 99 })).toEqual(
      expect.stringContaining('statusCode'),
    );
    expect(convertWebSocketResult({ statusCode: 'abc' })).toEqual(
      expect.stringContaining('statusCode'),
    );
    expect(convertWebSocketResult({ headers: 'x' })).toBe('headers must be an object');
  });
});

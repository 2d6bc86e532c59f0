import { iamIdentity } from '../mapping/template-context';
import type { InvocationRequest, WebSocketEventContext } from '../integration.types';
import { formatRequestTime } from '../mapping/request-time';
import { lastValues, spelledAsSent } from '../mapping/template-context';

/**
 * The event a Lambda function receives from a WebSocket API route, as API Gateway builds it:
 * `$connect` and `$disconnect` carry the handshake's headers (and `$connect` its query string);
 * a message carries its body (base64 for a binary frame) and a messageId.
 */
export function buildWebSocketEvent(
  req: InvocationRequest,
  ws: WebSocketEventContext,
  body: Buffer | undefined,
): Record<string, unknown> {
  const requestContext: Record<string, unknown> = {
    routeKey: ws.routeKey,
    eventType: ws.eventType,
    extendedRequestId: req.extendedRequestId ?? req.requestId,
    requestTime: formatRequestTime(req.requestTimeEpoch),
    messageDirection: 'IN',
    stage: req.stage,
    connectedAt: ws.connectedAt,
    requestTimeEpoch: req.requestTimeEpoch,
    identity: {
      sourceIp: req.sourceIp,
      userAgent: req.userAgent ?? null,
      // The credential that signed an AWS_IAM $connect, on every event of the connection.
      ...(req.iamPrincipal ? iamIdentity(req, req.accountId) : {}),
      // The API key a `$connect` that requires one was admitted with, on every event too.
      ...(req.apiKey ? { apiKey: req.apiKey.value, apiKeyId: req.apiKey.id } : {}),
    },
    requestId: req.requestId,
    domainName: req.domainName,
    connectionId: ws.connectionId,
    apiId: req.apiId,
  };
  // The `$connect` authorizer's answer, flattened as AWS does, on every event of the connection.
  if (req.authorizer) {
    requestContext.authorizer = {
      principalId: req.authorizer.principalId,
      ...req.authorizer.context,
    };
  }
  const event: Record<string, unknown> = { requestContext };
  if (ws.eventType === 'MESSAGE') {
    requestContext.messageId = ws.messageId;
    const binary = ws.isBinary === true;
    event.body = body ? body.toString(binary ? 'base64' : 'utf8') : '';
    event.isBase64Encoded = binary;
  } else {
    const multiValueHeaders = spelledAsSent(req.headers, req.rawHeaders);
    event.headers = lastValues(multiValueHeaders);
    event.multiValueHeaders = multiValueHeaders;
    if (ws.eventType === 'CONNECT') {
      if (Object.keys(req.query).length > 0) {
        event.queryStringParameters = lastValues(req.query);
        event.multiValueQueryStringParameters = req.query;
      }
    } else {
      requestContext.disconnectStatusCode = ws.disconnectStatusCode ?? 1005;
      requestContext.disconnectReason = ws.disconnectReason ?? '';
    }
    event.isBase64Encoded = false;
  }
  if (Object.keys(req.stageVariables).length > 0) event.stageVariables = req.stageVariables;
  return event;
}

export interface WebSocketResult {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/**
 * A WebSocket route function's result. API Gateway is lenient here: nothing returned accepts
 * (200, no reply), a string is the reply, and an object gives `statusCode`, `headers` and
 * `body` (base64 with `isBase64Encoded`); other members are ignored.
 */
export function convertWebSocketResult(result: unknown): WebSocketResult | string {
  if (result === undefined || result === null) return { statusCode: 200, headers: {}, body: '' };
  if (typeof result === 'string') return { statusCode: 200, headers: {}, body: result };
  if (typeof result !== 'object' || Array.isArray(result)) {
    return { statusCode: 200, headers: {}, body: JSON.stringify(result) };
  }
  const r = result as Record<string, unknown>;
  let statusCode = 200;
  if (r.statusCode !== undefined) {
    const n = Number(r.statusCode);
    if (!Number.isInteger(n) || n < 100 || n > 599)
      return `statusCode ${String(r.statusCode)} is invalid`;
    statusCode = n;
  }
  const headers: Record<string, string> = {};
  if (r.headers !== undefined && r.headers !== null) {
    if (typeof r.headers !== 'object') return 'headers must be an object';
    for (const [name, value] of Object.entries(r.headers as Record<string, unknown>)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        headers[name] = String(value);
      }
    }
  }
  let body: Buffer | string = '';
  if (typeof r.body === 'string') {
    body = r.isBase64Encoded === true ? Buffer.from(r.body, 'base64') : r.body;
  } else if (r.body !== undefined && r.body !== null) {
    body = JSON.stringify(r.body);
  }
  return { statusCode, headers, body };
}

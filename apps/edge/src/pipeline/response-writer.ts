import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { InvocationResponse } from '../integrations';
import { HOP_BY_HOP_HEADERS } from './hop-by-hop';

export const REQUEST_ID_HEADER = 'x-amzn-RequestId';

/** A streamed response body broke after the headers went out; `side` says who broke it. */
export class ResponseStreamError extends Error {
  constructor(
    readonly side: 'upstream' | 'client',
    cause: unknown,
  ) {
    super(
      `${side === 'upstream' ? 'Response body stream failed' : 'Client went away'}: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'ResponseStreamError';
  }
}

/** Where the bytes of body sent are counted, as they go (the access log may be written first). */
export interface ResponseMeter {
  responseLength: number;
}

/**
 * Writes an integration's response. Buffer and string bodies get an exact Content-Length;
 * streams are piped through (and stopped if the client leaves).
 */
export async function writeInvocationResponse(
  res: ServerResponse,
  response: InvocationResponse,
  requestId: string,
  closeConnection: boolean,
  meter: ResponseMeter,
): Promise<void> {
  const { body } = response;
  const streamed = body instanceof Readable;
  const flat: string[] = [];
  for (const name in response.headers) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP_HEADERS.has(lower) || lower === 'x-amzn-requestid') continue;
    if (lower === 'content-length' && !streamed) continue;
    const value = response.headers[name];
    if (Array.isArray(value)) for (const v of value) flat.push(name, v);
    else if (value !== undefined) flat.push(name, value);
  }
  flat.push(REQUEST_ID_HEADER, requestId);
  if (closeConnection) flat.push('connection', 'close');
  if (streamed) {
    res.writeHead(response.statusCode, flat);
    await streamBody(body, res, meter);
    return;
  }
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (allowsBody(response.statusCode)) flat.push('content-length', String(length));
  res.writeHead(response.statusCode, flat);
  meter.responseLength = length;
  res.end(body);
}

/**
 * pipe() plus the failure handling pipeline() would give, without pipeline()'s per-call abort
 * controller (which costs a DOMException for every response). Whichever side fails first is
 * the cause; both are then torn down, so a departed client stops the upstream transfer.
 */
function streamBody(body: Readable, res: ServerResponse, meter: ResponseMeter): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (side: 'upstream' | 'client', err: unknown): void => {
      if (settled) return;
      settled = true;
      body.destroy();
      res.destroy();
      reject(new ResponseStreamError(side, err));
    };
    body.on('data', (chunk: Buffer | string) => (meter.responseLength += chunk.length));
    body.once('error', (err) => fail('upstream', err));
    res.once('error', (err) => fail('client', err));
    res.once('close', () => {
      if (!res.writableFinished) fail('client', new Error('connection closed'));
    });
    res.once('finish', () => {
      settled = true;
      resolve();
    });
    body.pipe(res);
  });
}

/**
 * Writes a response the gateway made itself (errors); `headers` is flat `[name, value, …]`.
 * `closeConnection` when the client may still be sending a body that will not be read, or the
 * edge is draining.
 */
export function writeGatewayResponse(
  res: ServerResponse,
  statusCode: number,
  headers: readonly string[],
  body: string,
  requestId: string,
  closeConnection: boolean,
): number {
  const flat = [...headers, REQUEST_ID_HEADER, requestId];
  const length = Buffer.byteLength(body);
  if (allowsBody(statusCode)) flat.push('content-length', String(length));
  if (closeConnection) flat.push('connection', 'close');
  res.writeHead(statusCode, flat);
  res.end(body);
  return length;
}

function allowsBody(status: number): boolean {
  return status >= 200 && status !== 204 && status !== 304;
}

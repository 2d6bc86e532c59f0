import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { InvocationResponse } from '../integrations';
import { REQUEST_ID_HEADER } from '../pipeline/response-writer';
import { awsErrorType, type GatewayError } from '../responses/gateway-error';

/** Answers a handshake with an HTTP error and closes the socket. */
export function rejectUpgrade(
  socket: Duplex,
  status: number,
  message: string | undefined,
  requestId: string,
): void {
  writeRejection(socket, status, message === undefined ? '' : JSON.stringify({ message }), [
    requestId ? `${REQUEST_ID_HEADER}: ${requestId}` : undefined,
  ]);
}

/**
 * Answers a handshake with a gateway error as API Gateway answers it (an authorizer's 401, 403
 * or 500, a throttled handshake's 429): its status, its default body (`{"message": null}` for a
 * broken authorizer, `{"Message": …}` for a policy denial), `x-amzn-ErrorType` and the error's
 * own headers (Retry-After).
 */
export function rejectUpgradeWith(socket: Duplex, error: GatewayError, requestId: string): void {
  const errorType = awsErrorType(error);
  const extra = [
    requestId ? `${REQUEST_ID_HEADER}: ${requestId}` : undefined,
    errorType ? `x-amzn-ErrorType: ${errorType}` : undefined,
  ];
  const headers = error.headers ?? [];
  for (let i = 0; i + 1 < headers.length; i += 2) extra.push(`${headers[i]}: ${headers[i + 1]}`);
  writeRejection(
    socket,
    error.statusCode,
    JSON.stringify({ [error.messageKey]: error.clientMessage }),
    extra,
  );
}

function writeRejection(
  socket: Duplex,
  status: number,
  body: string,
  extra: (string | undefined)[],
): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  for (const line of extra) if (line !== undefined) head.push(line);
  socket.end(head.join('\r\n') + '\r\n\r\n' + body);
  socket.once('finish', () => socket.destroy());
}

/** A response header's value by case-insensitive name (the last one when repeated). */
export function responseHeader(
  response: InvocationResponse | undefined,
  name: string,
): string | undefined {
  if (!response) return undefined;
  for (const key in response.headers) {
    if (key.toLowerCase() !== name) continue;
    const value = response.headers[key];
    return Array.isArray(value) ? value[value.length - 1] : value;
  }
  return undefined;
}

/** `a, b,c` → ['a', 'b', 'c']; empty entries dropped. */
export function splitList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

interface ReceiverInternals {
  _payloadLength: number;
  _opcode: number;
  haveLength(cb: (err?: Error) => void): void;
  createError(
    ctor: typeof RangeError,
    message: string,
    prefix: boolean,
    statusCode: number,
    errorCode: string,
  ): Error;
  porticoFrameLimit?: number;
}

let frameHook: ((this: ReceiverInternals, cb: (err?: Error) => void) => void) | undefined;

/**
 * ws limits whole messages (maxPayload) but not single frames, and API Gateway limits both
 * (32 KB frames, 128 KB messages, close 1009 beyond either). The frame check goes into ws's
 * receiver at the point where it checks the message size, with the same error path; one shared
 * function, so it costs no memory per connection. Checked by websocket specs against the ws
 * version in the lockfile: if its internals change, the spec for oversized frames fails.
 */
export function limitFrameSize(ws: WebSocket, limit: number): void {
  const receiver = (ws as unknown as { _receiver?: ReceiverInternals })._receiver;
  if (!receiver || typeof receiver.haveLength !== 'function') return;
  const proto = Object.getPrototypeOf(receiver) as ReceiverInternals;
  if (!frameHook) {
    const original = proto.haveLength;
    frameHook = function (this: ReceiverInternals, cb: (err?: Error) => void): void {
      const frameLimit = this.porticoFrameLimit;
      if (frameLimit !== undefined && this._opcode < 0x08 && this._payloadLength > frameLimit) {
        cb(
          this.createError(
            RangeError,
            `Frame exceeds ${frameLimit} bytes`,
            false,
            1009,
            'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
          ),
        );
        return;
      }
      original.call(this, cb);
    };
    proto.haveLength = frameHook;
  }
  receiver.porticoFrameLimit = limit;
}

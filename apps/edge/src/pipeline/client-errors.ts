import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { PinoLogger } from '@portico/platform';
import { unmapIpv4 } from './forwarded-headers';
import { REQUEST_ID_HEADER } from './response-writer';

const HEADER_OVERFLOW = 'HPE_HEADER_OVERFLOW';

/**
 * Answers requests Node's HTTP parser refused before any handler saw them (headers over the
 * limit, malformed request lines, smuggling attempts such as Content-Length with
 * Transfer-Encoding): AWS's JSON shape and a request id, like every other response, and an
 * access-log line. The connection is closed: after a parse error its framing cannot be trusted.
 */
export function createClientErrorHandler(logger: PinoLogger, maxHeaderBytes: number) {
  const log = logger.child({ log: 'access' });
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    const pending = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, message] =
      err.code === HEADER_OVERFLOW
        ? [431, `Request header fields too large (limit ${maxHeaderBytes} bytes)`]
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout']
          : [400, 'Bad Request'];
    answerOnSocket(log, socket, status, message, `${err.code ?? 'client error'}: ${err.message}`);
  };
}

/**
 * CONNECT requests never reach a request handler (Node hands over the socket); without a
 * listener Node drops them without a word. API Gateway has no tunnels: its target is not a
 * path, so it gets the 400 any other such target gets.
 */
export function createConnectHandler(logger: PinoLogger) {
  const log = logger.child({ log: 'access' });
  return (_req: unknown, socket: Duplex): void => {
    answerOnSocket(log, socket, 400, 'Bad Request', 'CONNECT is not supported');
  };
}

function answerOnSocket(
  log: PinoLogger,
  socket: Duplex,
  status: number,
  message: string,
  errorMessage: string,
): void {
  const requestId = randomUUID();
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Content-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `${REQUEST_ID_HEADER}: ${requestId}\r\n` +
      `Connection: close\r\n\r\n` +
      body,
  );
  log.info(
    {
      requestId,
      ip: unmapIpv4((socket as Partial<Socket>).remoteAddress ?? ''),
      status,
      responseLength: Buffer.byteLength(body),
      errorMessage,
    },
    'request',
  );
}

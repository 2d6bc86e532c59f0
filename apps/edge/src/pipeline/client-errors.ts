import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { PinoLogger } from '@portico/platform';
import { unmapIpv4 } from './forwarded-headers';
import { REQUEST_ID_HEADER } from './response-writer';

const HEADER_OVERFLOW = 'HPE_HEADER_OVERFLOW';

/**
 * Answers requests Node's HTTP parser refused before any handler saw them (headers over the
 * limit, malformed request lines): AWS's JSON shape and a request id, like every other
 * response, and an access-log line.
 */
export function createClientErrorHandler(logger: PinoLogger, maxHeaderBytes: number) {
  const log = logger.child({ log: 'access' });
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    const pending = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) {
      socket.destroy();
      return;
    }
    const requestId = randomUUID();
    const [status, message] =
      err.code === HEADER_OVERFLOW
        ? [431, `Request header fields too large (limit ${maxHeaderBytes} bytes)`]
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout']
          : [400, 'Bad Request'];
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
        ip: unmapIpv4(socket.remoteAddress ?? ''),
        status,
        responseLength: Buffer.byteLength(body),
        errorMessage: `${err.code ?? 'client error'}: ${err.message}`,
      },
      'request',
    );
  };
}

import { type PorticoError, REQUEST_ID_HEADER } from '@portico/contracts';
import {
  ErrorCode,
  headers as natsHeaders,
  type MsgHdrs,
  type NatsConnection,
  NatsError,
} from 'nats';

export type Failure = { ok: false; error: PorticoError };

export interface CallOptions {
  /** Bound on the whole call. */
  timeoutMs: number;
  /** Who answers the subject, for the messages ("the auth service"). */
  service: string;
  requestId?: string;
  headers?: MsgHdrs;
}

/**
 * One request-reply call whose reply is `{ ok, … }`. Never throws and never waits past the
 * timeout: no connection, no responders, a timeout or a malformed reply come back as
 * `{ ok: false, error }` (Unavailable, or Internal for a reply that is not one).
 */
export async function callService<T extends { ok: boolean }>(
  nc: NatsConnection | undefined,
  subject: string,
  payload: Uint8Array,
  options: CallOptions,
): Promise<T | Failure> {
  if (!nc || nc.isClosed()) return failure('Unavailable', 'No NATS connection');
  const h = options.headers ?? natsHeaders();
  if (options.requestId) h.set(REQUEST_ID_HEADER, options.requestId);
  try {
    const reply = await nc.request(subject, payload, { timeout: options.timeoutMs, headers: h });
    const parsed = JSON.parse(reply.string()) as unknown;
    if (parsed === null || typeof parsed !== 'object' || !('ok' in parsed)) {
      return failure('Internal', `Malformed reply on ${subject}`);
    }
    return parsed as T;
  } catch (err) {
    if (err instanceof NatsError) {
      if (err.code === ErrorCode.NoResponders) {
        return failure('Unavailable', `${capitalised(options.service)} is not running`);
      }
      if (err.code === ErrorCode.Timeout) {
        return failure(
          'Unavailable',
          `${capitalised(options.service)} did not answer in ${options.timeoutMs} ms`,
        );
      }
    }
    return failure('Unavailable', err instanceof Error ? err.message : String(err));
  }
}

/** JSON bytes for a request payload. */
export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value));
}

export function failure(code: PorticoError['code'], message: string): Failure {
  return { ok: false, error: { code, message } };
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

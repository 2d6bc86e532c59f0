import { Inject, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PorticoError, PorticoErrorCode } from '@portico/contracts';
import { REQUEST_ID_HEADER } from '@portico/contracts';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { PINO_LOGGER } from '../bootstrap/platform.module';
import type { PinoLogger } from '../logging/logger';
import { NATS_CONNECTION } from './nats';

/** A request that cannot be decoded: answered BadRequest, logged as a warning. */
export class MalformedMessage extends Error {}

/**
 * A failure the caller should see as it is (NotFound, Conflict, BadRequest …): answered with
 * its code and message, logged at debug. Anything else thrown is answered Unavailable and
 * logged as an error (Redis down, a bug).
 */
export class ServiceError extends Error {
  constructor(
    readonly code: PorticoErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type RequestHandler = (msg: Msg) => Promise<object>;

/**
 * Serves request-reply subjects as one queue group (replicas share the calls): per subject,
 * decode, call the handler, reply with its object. A failure is answered `{ ok: false, error }`
 * and logged; nothing is left unanswered. Resolves once the server has the subscriptions, so a
 * service reports itself started only when it can be called. Drain the returned subscriptions
 * on shutdown: calls already delivered finish and are answered, new ones go to other replicas.
 */
export async function serveRequests(
  nc: NatsConnection,
  queue: string,
  routes: Record<string, RequestHandler>,
  logger: PinoLogger,
): Promise<Subscription[]> {
  const subs = Object.entries(routes).map(([subject, handle]) =>
    nc.subscribe(subject, {
      queue,
      callback: (err, msg) => {
        if (err) {
          logger.warn({ subject, err: err.message }, 'Subscription error');
          return;
        }
        void serveOne(subject, msg, handle, logger);
      },
    }),
  );
  await nc.flush();
  return subs;
}

async function serveOne(
  subject: string,
  msg: Msg,
  handle: RequestHandler,
  logger: PinoLogger,
): Promise<void> {
  let reply: object;
  try {
    reply = await handle(msg);
  } catch (err) {
    const error = asPorticoError(err);
    const context = { subject, requestId: msg.headers?.get(REQUEST_ID_HEADER), err: error.message };
    if (err instanceof MalformedMessage) logger.warn(context, 'Malformed message');
    else if (err instanceof ServiceError) logger.debug(context, 'Request refused');
    else logger.error(context, 'Request failed');
    reply = { ok: false, error };
  }
  if (msg.reply) msg.respond(Buffer.from(JSON.stringify(reply)));
}

function asPorticoError(err: unknown): PorticoError {
  if (err instanceof MalformedMessage) return { code: 'BadRequest', message: err.message };
  if (err instanceof ServiceError) return { code: err.code, message: err.message };
  return { code: 'Unavailable', message: String(err) };
}

/** The message's payload as a JSON object; MalformedMessage when it is not one. */
export function jsonOf<T>(msg: Msg): T {
  return parseObject<T>(msg.string());
}

/** A header holding a JSON object; MalformedMessage when it is absent or not one. */
export function headerJsonOf<T>(msg: Msg, name: string): T {
  return parseObject<T>(msg.headers?.get(name) ?? '');
}

function parseObject<T>(text: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedMessage('not JSON');
  }
  if (value === null || typeof value !== 'object') throw new MalformedMessage('not an object');
  return value as T;
}

/**
 * A Nest provider serving `routes()` as one queue group from application bootstrap (the
 * subscriptions are on the server before the service reports itself started) and draining
 * them on shutdown: calls already delivered finish and are answered, new ones go to other
 * replicas.
 */
export abstract class RequestTransport implements OnApplicationBootstrap, OnApplicationShutdown {
  @Inject(NATS_CONNECTION) private readonly nc!: NatsConnection;
  @Inject(PINO_LOGGER) private readonly log!: PinoLogger;
  private subs: Subscription[] = [];

  /** The queue group the replicas share. */
  protected abstract readonly queue: string;

  protected abstract routes(): Record<string, RequestHandler>;

  async onApplicationBootstrap(): Promise<void> {
    this.subs = await serveRequests(this.nc, this.queue, this.routes(), this.log);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.subs.map((s) => s.drain()));
  }
}

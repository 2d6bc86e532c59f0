import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  CHANNEL_PUBLISH_HEADER,
  CONNECTION_COMMAND_HEADER,
  CONNECTIONS_CHANNEL_MEMBERSHIP,
  CONNECTIONS_CHANNEL_PUBLISH,
  CONNECTIONS_COMMAND,
  CONNECTIONS_EDGE_HEARTBEAT,
  CONNECTIONS_LIST,
  CONNECTIONS_QUEUE_GROUP,
  CONNECTIONS_REGISTER,
  CONNECTIONS_UNREGISTER,
  REQUEST_ID_HEADER,
} from '@portico/contracts';
import { NATS_CONNECTION } from '@portico/platform';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { ConnectionRegistry } from './connection-registry.service';

type Handler = (msg: Msg) => Promise<object>;

/**
 * NATS transport of the registry: one queue-group subscription per subject, so replicas share
 * the calls. Decodes, calls one registry method, replies. A failure (Redis down, a malformed
 * message) is answered `{ ok: false, error }` and logged; nothing is left unanswered.
 */
@Injectable()
export class RegistryTransport implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RegistryTransport.name);
  private readonly subs: Subscription[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly registry: ConnectionRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const routes: Record<string, Handler> = {
      [CONNECTIONS_REGISTER]: (m) => this.registry.register(json(m)),
      [CONNECTIONS_UNREGISTER]: (m) => this.registry.unregister(json(m)),
      [CONNECTIONS_COMMAND]: (m) =>
        this.registry.command(header(m, CONNECTION_COMMAND_HEADER), m.data),
      [CONNECTIONS_LIST]: (m) => this.registry.list(json(m)),
      [CONNECTIONS_CHANNEL_MEMBERSHIP]: (m) => this.registry.membership(json(m)),
      [CONNECTIONS_CHANNEL_PUBLISH]: (m) =>
        this.registry.publish(header(m, CHANNEL_PUBLISH_HEADER), m.data),
      [CONNECTIONS_EDGE_HEARTBEAT]: (m) => this.registry.heartbeat(json(m)),
    };
    for (const [subject, handle] of Object.entries(routes)) {
      this.subs.push(
        this.nc.subscribe(subject, {
          queue: CONNECTIONS_QUEUE_GROUP,
          callback: (err, msg) => {
            if (err) {
              this.logger.warn({ subject, err: err.message }, 'Subscription error');
              return;
            }
            void this.serve(subject, msg, handle);
          },
        }),
      );
    }
    // The subscriptions reach the server before this service reports itself started.
    await this.nc.flush();
  }

  async onApplicationShutdown(): Promise<void> {
    // Drain: calls already delivered finish and are answered; new ones go to other replicas.
    await Promise.allSettled(this.subs.map((s) => s.drain()));
  }

  private async serve(subject: string, msg: Msg, handle: Handler): Promise<void> {
    let reply: object;
    try {
      reply = await handle(msg);
    } catch (err) {
      const malformed = err instanceof MalformedMessage;
      this.logger[malformed ? 'warn' : 'error'](
        { subject, requestId: msg.headers?.get(REQUEST_ID_HEADER), err: String(err) },
        malformed ? 'Malformed message' : 'Registry call failed',
      );
      reply = {
        ok: false,
        error: { code: malformed ? 'BadRequest' : 'Unavailable', message: String(err) },
      };
    }
    if (msg.reply) msg.respond(Buffer.from(JSON.stringify(reply)));
  }
}

class MalformedMessage extends Error {}

function json<T>(msg: Msg): T {
  return parseObject<T>(msg.string());
}

function header<T>(msg: Msg, name: string): T {
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

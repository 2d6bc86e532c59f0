import { Injectable } from '@nestjs/common';
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
} from '@portico/contracts';
import { headerJsonOf, jsonOf, type RequestHandler, RequestTransport } from '@portico/platform';
import { ConnectionRegistry } from './connection-registry.service';

/**
 * NATS transport of the registry: one queue-group subscription per subject, so replicas share
 * the calls. Decodes, calls one registry method, replies. A failure (Redis down, a malformed
 * message) is answered `{ ok: false, error }` and logged; nothing is left unanswered.
 */
@Injectable()
export class RegistryTransport extends RequestTransport {
  protected readonly queue = CONNECTIONS_QUEUE_GROUP;

  constructor(private readonly registry: ConnectionRegistry) {
    super();
  }

  protected routes(): Record<string, RequestHandler> {
    return {
      [CONNECTIONS_REGISTER]: (m) => this.registry.register(jsonOf(m)),
      [CONNECTIONS_UNREGISTER]: (m) => this.registry.unregister(jsonOf(m)),
      [CONNECTIONS_COMMAND]: (m) =>
        this.registry.command(headerJsonOf(m, CONNECTION_COMMAND_HEADER), m.data),
      [CONNECTIONS_LIST]: (m) => this.registry.list(jsonOf(m)),
      [CONNECTIONS_CHANNEL_MEMBERSHIP]: (m) => this.registry.membership(jsonOf(m)),
      [CONNECTIONS_CHANNEL_PUBLISH]: (m) =>
        this.registry.publish(headerJsonOf(m, CHANNEL_PUBLISH_HEADER), m.data),
      [CONNECTIONS_EDGE_HEARTBEAT]: (m) => this.registry.heartbeat(jsonOf(m)),
    };
  }
}

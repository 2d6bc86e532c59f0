import { Inject, Injectable } from '@nestjs/common';
import {
  type CommandReply,
  CONNECTION_COMMAND_HEADER,
  type EdgeCommand,
  edgeCommandSubject,
} from '@portico/contracts';
import { NATS_CONNECTION } from '@portico/platform';
import { ErrorCode, headers as natsHeaders, type NatsConnection, NatsError } from 'nats';
import { CONNECTIONS_CONFIG, type ConnectionsConfig } from '../config';

/**
 * Sends commands to the edge that holds a socket, on that edge's own subject. 'no-edge' means
 * nothing listens there any more (NATS no-responders): the edge is gone.
 */
@Injectable()
export class EdgeDelivery {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(CONNECTIONS_CONFIG) private readonly config: ConnectionsConfig,
  ) {}

  async command(
    edgeId: string,
    cmd: EdgeCommand,
    data: Uint8Array,
  ): Promise<CommandReply | 'no-edge'> {
    const h = natsHeaders();
    h.set(CONNECTION_COMMAND_HEADER, JSON.stringify(cmd));
    try {
      const msg = await this.nc.request(edgeCommandSubject(edgeId), data, {
        timeout: this.config.CONNECTIONS_EDGE_TIMEOUT_MS,
        headers: h,
      });
      return JSON.parse(msg.string()) as CommandReply;
    } catch (err) {
      if (err instanceof NatsError && err.code === ErrorCode.NoResponders) return 'no-edge';
      const timeout = err instanceof NatsError && err.code === ErrorCode.Timeout;
      return {
        ok: false,
        error: {
          code: 'Unavailable',
          message: timeout ? `Edge ${edgeId} did not answer in time` : String(err),
        },
      };
    }
  }

  /** Fire and forget: a channel publish does not wait for each edge. */
  fanout(edgeId: string, cmd: EdgeCommand, data: Uint8Array): void {
    const h = natsHeaders();
    h.set(CONNECTION_COMMAND_HEADER, JSON.stringify(cmd));
    this.nc.publish(edgeCommandSubject(edgeId), data, { headers: h });
  }
}

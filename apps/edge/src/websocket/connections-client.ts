import { Inject, Injectable } from '@nestjs/common';
import {
  CHANNEL_PUBLISH_HEADER,
  type ChannelMembershipRequest,
  type ChannelPublish,
  type ChannelPublishReply,
  type CommandReply,
  CONNECTION_COMMAND_HEADER,
  type ConnectionCommand,
  type ConnectionsReply,
  CONNECTIONS_CHANNEL_MEMBERSHIP,
  CONNECTIONS_CHANNEL_PUBLISH,
  CONNECTIONS_COMMAND,
  CONNECTIONS_EDGE_HEARTBEAT,
  CONNECTIONS_LIST,
  CONNECTIONS_REGISTER,
  CONNECTIONS_UNREGISTER,
  type EdgeHeartbeat,
  type EdgeHeartbeatReply,
  type ListConnectionsReply,
  type ListConnectionsRequest,
  type RegisterConnectionRequest,
  type UnregisterConnectionRequest,
} from '@portico/contracts';
import { callService, encodeJson, type Failure, NATS_CONNECTION } from '@portico/platform';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from 'nats';
import { EDGE_CONFIG, type EdgeConfig } from '../config';

/**
 * The edge's side of the connections service: every call is NATS request-reply bounded by
 * CONNECTIONS_TIMEOUT_MS, and every failure comes back as `{ ok: false, error }` — never thrown,
 * so a connections outage answers 503 (or rejects a handshake) rather than breaking a socket.
 */
@Injectable()
export class ConnectionsClient {
  private readonly timeout: number;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection | null,
    @Inject(EDGE_CONFIG) config: EdgeConfig,
  ) {
    this.timeout = config.CONNECTIONS_TIMEOUT_MS;
  }

  register(record: RegisterConnectionRequest, requestId?: string): Promise<ConnectionsReply> {
    return this.call(CONNECTIONS_REGISTER, encodeJson(record), requestId);
  }

  unregister(req: UnregisterConnectionRequest): Promise<ConnectionsReply> {
    return this.call(CONNECTIONS_UNREGISTER, encodeJson(req));
  }

  command(
    cmd: ConnectionCommand,
    data: Uint8Array | undefined,
    requestId: string,
  ): Promise<CommandReply> {
    const h = natsHeaders();
    h.set(CONNECTION_COMMAND_HEADER, JSON.stringify(cmd));
    return this.call(CONNECTIONS_COMMAND, data ?? new Uint8Array(0), requestId, h);
  }

  list(req: ListConnectionsRequest, requestId: string): Promise<ListConnectionsReply> {
    return this.call(CONNECTIONS_LIST, encodeJson(req), requestId);
  }

  publish(meta: ChannelPublish, data: Uint8Array, requestId: string): Promise<ChannelPublishReply> {
    const h = natsHeaders();
    h.set(CHANNEL_PUBLISH_HEADER, JSON.stringify(meta));
    return this.call(CONNECTIONS_CHANNEL_PUBLISH, data, requestId, h);
  }

  membership(req: ChannelMembershipRequest, requestId?: string): Promise<ConnectionsReply> {
    return this.call(CONNECTIONS_CHANNEL_MEMBERSHIP, encodeJson(req), requestId);
  }

  heartbeat(beat: EdgeHeartbeat): Promise<EdgeHeartbeatReply | Failure> {
    return this.call(CONNECTIONS_EDGE_HEARTBEAT, encodeJson(beat));
  }

  private call<T extends { ok: boolean }>(
    subject: string,
    payload: Uint8Array,
    requestId?: string,
    headers?: MsgHdrs,
  ): Promise<T | Failure> {
    return callService<T>(this.nc ?? undefined, subject, payload, {
      timeoutMs: this.timeout,
      service: 'the connections service',
      requestId,
      headers,
    });
  }
}

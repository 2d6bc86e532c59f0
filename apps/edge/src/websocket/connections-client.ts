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
  type PorticoError,
  type RegisterConnectionRequest,
  REQUEST_ID_HEADER,
  type UnregisterConnectionRequest,
} from '@portico/contracts';
import { NATS_CONNECTION } from '@portico/platform';
import {
  ErrorCode,
  headers as natsHeaders,
  type MsgHdrs,
  type NatsConnection,
  NatsError,
} from 'nats';
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
    return this.call(CONNECTIONS_REGISTER, encode(record), requestId);
  }

  unregister(req: UnregisterConnectionRequest): Promise<ConnectionsReply> {
    return this.call(CONNECTIONS_UNREGISTER, encode(req));
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
    return this.call(CONNECTIONS_LIST, encode(req), requestId);
  }

  publish(meta: ChannelPublish, data: Uint8Array, requestId: string): Promise<ChannelPublishReply> {
    const h = natsHeaders();
    h.set(CHANNEL_PUBLISH_HEADER, JSON.stringify(meta));
    return this.call(CONNECTIONS_CHANNEL_PUBLISH, data, requestId, h);
  }

  membership(req: ChannelMembershipRequest, requestId?: string): Promise<ConnectionsReply> {
    return this.call(CONNECTIONS_CHANNEL_MEMBERSHIP, encode(req), requestId);
  }

  heartbeat(beat: EdgeHeartbeat): Promise<EdgeHeartbeatReply | { ok: false; error: PorticoError }> {
    return this.call(CONNECTIONS_EDGE_HEARTBEAT, encode(beat));
  }

  private async call<T extends { ok: boolean }>(
    subject: string,
    payload: Uint8Array,
    requestId?: string,
    h: MsgHdrs = natsHeaders(),
  ): Promise<T | { ok: false; error: PorticoError }> {
    if (!this.nc || this.nc.isClosed()) return failure('Unavailable', 'No NATS connection');
    if (requestId) h.set(REQUEST_ID_HEADER, requestId);
    try {
      const reply = await this.nc.request(subject, payload, { timeout: this.timeout, headers: h });
      const parsed = JSON.parse(reply.string()) as unknown;
      if (parsed === null || typeof parsed !== 'object' || !('ok' in parsed)) {
        return failure('Internal', `Malformed reply on ${subject}`);
      }
      return parsed as T;
    } catch (err) {
      if (err instanceof NatsError) {
        if (err.code === ErrorCode.NoResponders) {
          return failure('Unavailable', 'The connections service is not running');
        }
        if (err.code === ErrorCode.Timeout) {
          return failure(
            'Unavailable',
            `The connections service did not answer in ${this.timeout} ms`,
          );
        }
      }
      return failure('Unavailable', err instanceof Error ? err.message : String(err));
    }
  }
}

function encode(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value));
}

function failure(code: PorticoError['code'], message: string): { ok: false; error: PorticoError } {
  return { ok: false, error: { code, message } };
}

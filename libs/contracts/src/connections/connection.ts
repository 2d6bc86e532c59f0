import type { PorticoError } from '../common/errors';

/**
 * The WebSocket connection registry, owned by the connections service (queue group
 * `portico-connections`). Edges register a connection once `$connect` accepts it and
 * unregister it after `$disconnect`; every @connections call and channel publish is routed
 * through the service to the edge that holds the socket.
 */
export const CONNECTIONS_QUEUE_GROUP = 'portico-connections' as const;

/** Edge → service, request-reply; the reply is a ConnectionsReply. */
export const CONNECTIONS_REGISTER = 'portico.connections.connection.register.v1' as const;
/** Edge → service, request-reply; idempotent. */
export const CONNECTIONS_UNREGISTER = 'portico.connections.connection.unregister.v1' as const;
/** Any edge → service, request-reply: POST, GET or DELETE on `@connections/{id}`. */
export const CONNECTIONS_COMMAND = 'portico.connections.connection.command.v1' as const;
/** Any edge → service, request-reply: the connections of a stage, by tag or principal. */
export const CONNECTIONS_LIST = 'portico.connections.connection.list.v1' as const;

/** What the registry knows of a connection (times are epoch milliseconds). */
export interface ConnectionRecord {
  connectionId: string;
  apiId: string;
  stage: string;
  edgeId: string;
  connectedAt: number;
  sourceIp: string;
  userAgent?: string;
  /** Set by the `$connect` integration (`X-Portico-Tags`), for presence queries. */
  tags: string[];
  /** The authenticated principal, when one is known. */
  principalId?: string;
}

export interface RegisterConnectionRequest extends ConnectionRecord {
  /** The edge's heartbeat TTL: how long the registry may wait for its first beat. */
  edgeTtlMs: number;
}

export interface UnregisterConnectionRequest {
  connectionId: string;
  apiId: string;
  edgeId: string;
}

/** A connection as `@connections` GET and presence show it. */
export interface ConnectionInfo extends ConnectionRecord {
  lastActiveAt: number;
}

export type ConnectionCommandOp = 'post' | 'get' | 'delete';

/**
 * A command on one connection. It travels in the CONNECTION_COMMAND_HEADER as JSON; the message
 * payload is the data to post (raw bytes, so nothing is re-encoded on the way).
 */
export interface ConnectionCommand {
  op: ConnectionCommandOp;
  apiId: string;
  stage: string;
  connectionId: string;
}

export const CONNECTION_COMMAND_HEADER = 'Portico-Connection-Command' as const;

export type ConnectionsReply<T = object> = ({ ok: true } & T) | { ok: false; error: PorticoError };

export type CommandReply = ConnectionsReply<{ connection?: ConnectionInfo }>;

export interface ListConnectionsRequest {
  apiId: string;
  stage: string;
  tag?: string;
  principalId?: string;
}

/** Registry records: lastActiveAt lives on the edge that holds each socket (GET one to see it). */
export type ListConnectionsReply = ConnectionsReply<{ connections: ConnectionRecord[] }>;

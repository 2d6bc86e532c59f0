import type { ConnectionCommand } from './connection';

/**
 * Delivery to the edge that holds a socket: every edge subscribes (no queue group) to a subject
 * of its own id, `portico.connections.edge.<edgeId>.command.v1`.
 */
export const EDGE_COMMAND_PREFIX = 'portico.connections.edge' as const;
export const EDGE_COMMAND_VERSION = 'command.v1' as const;

/** Edge ids: letters, digits, `-` and `_` (a NATS subject token). */
export const EDGE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function edgeCommandSubject(edgeId: string): string {
  if (!EDGE_ID_PATTERN.test(edgeId)) throw new Error(`Invalid edge id: ${edgeId}`);
  return `${EDGE_COMMAND_PREFIX}.${edgeId}.${EDGE_COMMAND_VERSION}`;
}

/**
 * Service → edge, request-reply (a CommandReply), in the same CONNECTION_COMMAND_HEADER as
 * ConnectionCommand; `fanout` is a publish with no reply, carrying the ids of that edge's
 * members of a channel.
 */
export type EdgeCommand =
  ConnectionCommand | { op: 'fanout'; apiId: string; stage: string; connectionIds: string[] };

/** Edge → service, request-reply, every EDGE_HEARTBEAT_MS: "this edge is alive". */
export const CONNECTIONS_EDGE_HEARTBEAT = 'portico.connections.edge.heartbeat.v1' as const;

export interface EdgeHeartbeat {
  edgeId: string;
  /** Sockets the edge holds now. */
  connections: number;
  /** How long the registry may wait for the next beat before it deems the edge gone. */
  ttlMs: number;
}

/**
 * `known: false` means the registry had deemed the edge gone (its connections were removed, or
 * may be): the edge registers every socket it holds again.
 */
export interface EdgeHeartbeatReply {
  ok: boolean;
  known: boolean;
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CHANNEL_TOPIC_PATTERN,
  type ChannelMembershipRequest,
  type ChannelPublish,
  type ChannelPublishReply,
  type CommandReply,
  type ConnectionCommand,
  type ConnectionsReply,
  type EdgeHeartbeat,
  type EdgeHeartbeatReply,
  type ListConnectionsReply,
  type ListConnectionsRequest,
  type PorticoError,
  type RegisterConnectionRequest,
  type UnregisterConnectionRequest,
} from '@portico/contracts';
import { CONNECTIONS_CONFIG, type ConnectionsConfig } from '../config';
import { CONNECTION_STORE } from './tokens';
import type { ConnectionStore } from './connection-store';
import { EdgeDelivery } from './edge-delivery';

/** Fan-out messages carry at most this many connection ids each. */
const FANOUT_BATCH = 1000;
/** However slowly an edge says it beats, its connections outlive it by no more than this. */
const MAX_EDGE_TTL_MS = 300_000;

/**
 * The registry's decisions: who is connected where, and getting a command or a channel publish
 * to the edge that holds each socket. A connection whose edge no longer answers (no responders:
 * it died) is removed on the spot and reported Gone, without waiting for the sweep.
 */
@Injectable()
export class ConnectionRegistry {
  private readonly logger = new Logger(ConnectionRegistry.name);

  constructor(
    @Inject(CONNECTION_STORE) private readonly store: ConnectionStore,
    private readonly edges: EdgeDelivery,
    @Inject(CONNECTIONS_CONFIG) private readonly config: ConnectionsConfig,
  ) {}

  async register(req: RegisterConnectionRequest): Promise<ConnectionsReply> {
    const { edgeTtlMs, ...record } = req;
    await this.store.add(record, Math.min(edgeTtlMs, MAX_EDGE_TTL_MS));
    return { ok: true };
  }

  async unregister(req: UnregisterConnectionRequest): Promise<ConnectionsReply> {
    await this.store.remove(req.apiId, req.connectionId, req.edgeId);
    return { ok: true };
  }

  async command(cmd: ConnectionCommand, data: Uint8Array): Promise<CommandReply> {
    const record = await this.store.get(cmd.apiId, cmd.connectionId);
    if (!record || record.stage !== cmd.stage) return gone();
    const reply = await this.edges.command(record.edgeId, cmd, data);
    if (reply === 'no-edge') {
      this.logger.warn(
        { connectionId: record.connectionId, edgeId: record.edgeId },
        'Edge gone; connection removed',
      );
      await this.store.remove(record.apiId, record.connectionId, record.edgeId);
      return gone();
    }
    if (!reply.ok && reply.error.code === 'Gone') {
      // The edge no longer holds it (closed a moment ago): the registry forgets it too.
      await this.store.remove(record.apiId, record.connectionId, record.edgeId);
    }
    return reply;
  }

  async list(req: ListConnectionsRequest): Promise<ListConnectionsReply> {
    const connections = await this.store.list(
      req.apiId,
      req.stage,
      { tag: req.tag, principalId: req.principalId },
      this.config.CONNECTIONS_LIST_LIMIT,
    );
    return { ok: true, connections };
  }

  async membership(req: ChannelMembershipRequest): Promise<ConnectionsReply> {
    if (!CHANNEL_TOPIC_PATTERN.test(req.topic)) return bad('Invalid topic');
    const record = await this.store.get(req.apiId, req.connectionId);
    if (!record || record.stage !== req.stage) return gone();
    if (req.action === 'join') await this.store.join(record, req.topic);
    else await this.store.leave(record, req.topic);
    return { ok: true };
  }

  async publish(meta: ChannelPublish, data: Uint8Array): Promise<ChannelPublishReply> {
    if (!CHANNEL_TOPIC_PATTERN.test(meta.topic)) return bad('Invalid topic');
    const members = await this.store.members(meta.apiId, meta.stage, meta.topic);
    const byEdge = new Map<string, string[]>();
    for (const [connectionId, edgeId] of Object.entries(members)) {
      const list = byEdge.get(edgeId);
      if (list) list.push(connectionId);
      else byEdge.set(edgeId, [connectionId]);
    }
    let recipients = 0;
    for (const [edgeId, ids] of byEdge) {
      for (let i = 0; i < ids.length; i += FANOUT_BATCH) {
        const batch = ids.slice(i, i + FANOUT_BATCH);
        this.edges.fanout(
          edgeId,
          { op: 'fanout', apiId: meta.apiId, stage: meta.stage, connectionIds: batch },
          data,
        );
        recipients += batch.length;
      }
    }
    return { ok: true, recipients };
  }

  async heartbeat(beat: EdgeHeartbeat): Promise<EdgeHeartbeatReply> {
    const known = await this.store.beat(beat.edgeId, beat.ttlMs);
    return { ok: true, known };
  }
}

function gone(): { ok: false; error: PorticoError } {
  return { ok: false, error: { code: 'Gone', message: 'Connection is gone' } };
}

function bad(message: string): { ok: false; error: PorticoError } {
  return { ok: false, error: { code: 'BadRequest', message } };
}

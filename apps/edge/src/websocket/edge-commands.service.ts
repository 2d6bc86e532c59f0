import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  type CommandReply,
  CONNECTION_COMMAND_HEADER,
  type ConnectionInfo,
  type EdgeCommand,
  edgeCommandSubject,
} from '@portico/contracts';
import { NATS_CONNECTION } from '@portico/platform';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import type { LiveConnection } from './live-connection';
import { LiveConnections } from './live-connections';
import { MessageRouter } from './message-router';
import { WebSocketGateway } from './websocket-gateway.service';

/** API Gateway closes a connection deleted through @connections with a normal closure. */
const DELETED = 1000;

/**
 * Serves the connections service's commands for the sockets this edge holds, on the edge's own
 * subject: post data, describe, delete, and channel fan-out. A connection that is not here, or
 * belongs to another API or stage than the caller named, is Gone.
 */
@Injectable()
export class EdgeCommands implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EdgeCommands.name);
  private sub?: Subscription;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection | null,
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    private readonly live: LiveConnections,
    private readonly router: MessageRouter,
    private readonly gateway: WebSocketGateway,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.nc) return;
    this.sub = this.nc.subscribe(edgeCommandSubject(this.config.EDGE_ID), {
      callback: (err, msg) => {
        if (err) {
          this.logger.warn({ err: err.message }, 'Edge command subscription error');
          return;
        }
        try {
          this.serve(msg);
        } catch (e) {
          this.logger.error({ err: String(e) }, 'Edge command failed');
          reply(msg, { ok: false, error: { code: 'Internal', message: String(e) } });
        }
      },
    });
  }

  onApplicationShutdown(): void {
    this.sub?.unsubscribe();
  }

  private serve(msg: Msg): void {
    const raw = msg.headers?.get(CONNECTION_COMMAND_HEADER);
    let cmd: EdgeCommand;
    try {
      cmd = JSON.parse(raw ?? '') as EdgeCommand;
    } catch {
      reply(msg, { ok: false, error: { code: 'BadRequest', message: 'Malformed command header' } });
      return;
    }
    if (cmd.op === 'fanout') {
      const data = Buffer.from(msg.data);
      for (const id of cmd.connectionIds) {
        const conn = this.find(id, cmd.apiId, cmd.stage);
        if (conn) this.router.send(conn, data);
      }
      return;
    }
    const conn = this.find(cmd.connectionId, cmd.apiId, cmd.stage);
    if (!conn) {
      reply(msg, { ok: false, error: { code: 'Gone', message: 'Connection is gone' } });
      return;
    }
    switch (cmd.op) {
      case 'post': {
        const sent = this.router.send(conn, Buffer.from(msg.data));
        reply(
          msg,
          sent
            ? { ok: true }
            : { ok: false, error: { code: 'Gone', message: 'Connection is closing' } },
        );
        return;
      }
      case 'get':
        reply(msg, { ok: true, connection: describe(conn, this.config.EDGE_ID) });
        return;
      case 'delete':
        this.gateway.close(conn, 'deleted', DELETED, '');
        reply(msg, { ok: true });
        return;
      default:
        reply(msg, { ok: false, error: { code: 'BadRequest', message: 'Unknown command' } });
    }
  }

  private find(id: string, apiId: string, stage: string): LiveConnection | undefined {
    const conn = this.live.get(id);
    if (!conn || conn.closeKind || conn.apiId !== apiId || conn.stageName !== stage)
      return undefined;
    return conn;
  }
}

export function describe(conn: LiveConnection, edgeId: string): ConnectionInfo {
  return {
    connectionId: conn.id,
    apiId: conn.apiId,
    stage: conn.stageName,
    edgeId,
    connectedAt: conn.connectedAt,
    lastActiveAt: conn.lastActiveAt,
    sourceIp: conn.sourceIp,
    userAgent: conn.userAgent,
    tags: conn.tags,
    principalId: conn.principalId,
  };
}

function reply(msg: Msg, body: CommandReply): void {
  if (msg.reply) msg.respond(Buffer.from(JSON.stringify(body)));
}

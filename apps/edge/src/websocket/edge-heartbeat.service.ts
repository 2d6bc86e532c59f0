import { Inject, Injectable, Logger } from '@nestjs/common';
import { PeriodicTask, type PeriodicSchedule } from '@portico/platform';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import { ConnectionsClient } from './connections-client';
import { describe } from './edge-commands.service';
import { LiveConnections } from './live-connections';

/** The registry deems an edge gone after this many missed beats. */
export const MISSED_BEATS = 3;

/**
 * Tells the registry every EDGE_HEARTBEAT_MS that this edge is alive, so the connections of an
 * edge that dies (SIGKILL, a lost host) leave the registry within MISSED_BEATS beats plus one
 * sweep. If the registry had already given this edge up (a long NATS or Redis outage), the
 * edge registers every socket it holds again.
 */
@Injectable()
export class EdgeHeartbeat extends PeriodicTask {
  protected readonly logger = new Logger(EdgeHeartbeat.name);

  constructor(
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    private readonly connections: ConnectionsClient,
    private readonly live: LiveConnections,
  ) {
    super();
  }

  private get ttlMs(): number {
    return this.config.EDGE_HEARTBEAT_MS * MISSED_BEATS;
  }

  protected schedule(): PeriodicSchedule {
    return {
      intervalMs: this.config.EDGE_HEARTBEAT_MS,
      immediately: true,
      failure: 'Heartbeat failed',
    };
  }

  /** One beat. */
  protected async run(): Promise<void> {
    const reply = await this.connections.heartbeat({
      edgeId: this.config.EDGE_ID,
      connections: this.live.size,
      ttlMs: this.ttlMs,
    });
    if (!reply.ok) {
      this.logger.warn(
        { err: 'error' in reply ? reply.error.message : 'refused' },
        'Heartbeat failed',
      );
      return;
    }
    if (!reply.known && this.live.size > 0) await this.registerAll();
  }

  private async registerAll(): Promise<void> {
    this.logger.warn(
      { connections: this.live.size },
      'Registry had forgotten this edge; registering again',
    );
    for (const conn of [...this.live.values()]) {
      if (conn.closeKind) continue;
      const { lastActiveAt: _unused, ...record } = describe(conn, this.config.EDGE_ID);
      const reply = await this.connections.register({ ...record, edgeTtlMs: this.ttlMs });
      if (!reply.ok) {
        this.logger.warn({ err: reply.error.message }, 'Re-registering stopped; next beat retries');
        return;
      }
    }
  }
}

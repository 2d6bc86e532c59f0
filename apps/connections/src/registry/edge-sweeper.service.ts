import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { PeriodicTask, type PeriodicSchedule } from '@portico/platform';
import { CONNECTIONS_CONFIG, type ConnectionsConfig } from '../config';
import type { ConnectionStore } from './connection-store';
import { CONNECTION_STORE } from './tokens';

/**
 * Every CONNECTIONS_SWEEP_MS, one replica (a Redis lock decides which) removes the connections
 * of edges whose heartbeat expired. With the edge's default beat (5 s, forgotten after three
 * misses) a dead edge's connections are gone within 15 s + one sweep.
 */
@Injectable()
export class EdgeSweeper extends PeriodicTask {
  protected readonly logger = new Logger(EdgeSweeper.name);
  private readonly owner = randomUUID();

  constructor(
    @Inject(CONNECTION_STORE) private readonly store: ConnectionStore,
    @Inject(CONNECTIONS_CONFIG) private readonly config: ConnectionsConfig,
  ) {
    super();
  }

  protected schedule(): PeriodicSchedule {
    return {
      intervalMs: this.config.CONNECTIONS_SWEEP_MS,
      failure: 'Sweep failed; the next one retries',
    };
  }

  /** One sweep, by the replica that holds the lock. */
  protected async run(): Promise<void> {
    if (!(await this.store.takeSweepLock(this.owner, this.config.CONNECTIONS_SWEEP_MS))) return;
    for (const edgeId of await this.store.deadEdges()) {
      const removed = await this.store.purgeEdge(edgeId);
      this.logger.warn({ edgeId, removed }, 'Edge stopped beating; its connections removed');
    }
  }
}

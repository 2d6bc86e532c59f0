import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { runPeriodically } from '@portico/platform';
import { CONNECTIONS_CONFIG, type ConnectionsConfig } from '../config';
import type { ConnectionStore } from './connection-store';
import { CONNECTION_STORE } from './tokens';

/**
 * Every CONNECTIONS_SWEEP_MS, one replica (a Redis lock decides which) removes the connections
 * of edges whose heartbeat expired. With the edge's default beat (5 s, forgotten after three
 * misses) a dead edge's connections are gone within 15 s + one sweep.
 */
@Injectable()
export class EdgeSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EdgeSweeper.name);
  private readonly owner = randomUUID();
  private stop?: () => void;

  constructor(
    @Inject(CONNECTION_STORE) private readonly store: ConnectionStore,
    @Inject(CONNECTIONS_CONFIG) private readonly config: ConnectionsConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = runPeriodically(
      this.config.CONNECTIONS_SWEEP_MS,
      () => this.sweep(),
      (err) => this.logger.warn({ err: String(err) }, 'Sweep failed; the next one retries'),
    );
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  private async sweep(): Promise<void> {
    if (!(await this.store.takeSweepLock(this.owner, this.config.CONNECTIONS_SWEEP_MS))) return;
    for (const edgeId of await this.store.deadEdges()) {
      const removed = await this.store.purgeEdge(edgeId);
      this.logger.warn({ edgeId, removed }, 'Edge stopped beating; its connections removed');
    }
  }
}

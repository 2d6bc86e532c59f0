import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
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
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    @Inject(CONNECTION_STORE) private readonly store: ConnectionStore,
    @Inject(CONNECTIONS_CONFIG) private readonly config: ConnectionsConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.config.CONNECTIONS_SWEEP_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (!(await this.store.takeSweepLock(this.owner, this.config.CONNECTIONS_SWEEP_MS))) return;
      for (const edgeId of await this.store.deadEdges()) {
        const removed = await this.store.purgeEdge(edgeId);
        this.logger.warn({ edgeId, removed }, 'Edge stopped beating; its connections removed');
      }
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'Sweep failed; the next one retries');
    } finally {
      this.running = false;
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@portico/platform';
import { Gauge, type Registry } from 'prom-client';
import type { LiveConnection } from './live-connection';

/** The sockets this edge holds, by connection id. */
@Injectable()
export class LiveConnections {
  private readonly byId = new Map<string, LiveConnection>();

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const byId = this.byId;
    new Gauge({
      name: 'portico_websocket_connections',
      help: 'WebSocket connections open on this edge',
      registers: [registry],
      collect() {
        this.set(byId.size);
      },
    });
  }

  get(id: string): LiveConnection | undefined {
    return this.byId.get(id);
  }

  add(conn: LiveConnection): void {
    this.byId.set(conn.id, conn);
  }

  delete(conn: LiveConnection): boolean {
    if (this.byId.get(conn.id) !== conn) return false;
    return this.byId.delete(conn.id);
  }

  get size(): number {
    return this.byId.size;
  }

  values(): IterableIterator<LiveConnection> {
    return this.byId.values();
  }
}

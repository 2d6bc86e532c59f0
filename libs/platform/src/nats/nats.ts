import { connect, type NatsConnection } from 'nats';
import type { PinoLogger } from '../logging/logger';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/**
 * Connects with unlimited reconnects: a NATS outage makes calls fail fast (no responders,
 * timeouts) and the connection comes back by itself. The first connect must succeed, so a
 * wrong URL stops boot with a clear error instead of a silent retry loop.
 */
export async function connectNats(
  url: string,
  name: string,
  logger: PinoLogger,
): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 10_000,
  }).catch((err: Error) => {
    throw new Error(`Cannot connect to NATS at ${url}: ${err.message}`);
  });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
        logger.warn({ nats: s.type, data: String(s.data) }, 'NATS connection status');
      }
    }
  })();
  return nc;
}

export function natsIsReady(nc: NatsConnection): boolean {
  return !nc.isClosed() && !nc.isDraining() && nc.info !== undefined;
}

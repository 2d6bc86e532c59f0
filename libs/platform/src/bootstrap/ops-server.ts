import Fastify from 'fastify';
import type { Registry } from 'prom-client';
import type { HealthService } from '../health/health.service';

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** /healthz, /readyz and /metrics on a port of their own, never on the data-plane port. */
export async function startOpsServer(opts: {
  health: HealthService;
  registry: Registry;
  host: string;
  port: number;
}): Promise<OpsServer> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const { ready, checks } = await opts.health.readiness();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await opts.registry.metrics();
    return reply.header('content-type', opts.registry.contentType).send(body);
  });
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return { port, close: () => app.close() };
}

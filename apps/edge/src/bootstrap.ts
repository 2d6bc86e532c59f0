import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { createRuntime, type RunningService, startService } from '@portico/platform';
import { EdgeModule } from './app.module';
import { loadEdgeConfig } from './config';
import { DataPlane } from './pipeline/data-plane';
import { RequestPipeline } from './pipeline/request-pipeline.service';
import { StageRegistry } from './stages/stage-registry.service';
import { WebSocketGateway } from './websocket/websocket-gateway.service';

/**
 * Starts an edge: validates the environment (a bad value stops boot naming the variable),
 * connects NATS and Redis, subscribes to definition changes, loads every deployed stage, and
 * listens on the data port (EDGE_PORT) and the ops port (EDGE_OPS_PORT: /healthz, /readyz,
 * /metrics). The returned handle's `close()` drains in-flight requests. `env` defaults to
 * process.env.
 */
export async function bootstrap(env?: NodeJS.ProcessEnv): Promise<RunningService> {
  // Without `env`, config.ts reads process.env (the only place that does).
  const config = loadEdgeConfig(env);
  // The edge routes from its in-memory stages through a NATS or Redis outage; leaving rotation
  // then would turn a dependency outage into a total one. /readyz still reports both.
  const runtime = await createRuntime('edge', config, {
    nats: true,
    redis: true,
    readinessNeedsConnections: false,
  });
  const dataPlane = new DataPlane(config, runtime.logger);
  return startService({
    runtime,
    module: EdgeModule.forRoot(config, runtime),
    host: config.EDGE_HOST,
    port: config.EDGE_PORT,
    opsHost: config.OPS_HOST,
    opsPort: config.EDGE_OPS_PORT,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    fastify: dataPlane.fastifyOptions(),
    configure: async (app) => {
      // Change events: no queue group, so every edge gets every event.
      const events = app.connectMicroservice<MicroserviceOptions>({
        transport: Transport.NATS,
        options: {
          servers: config.NATS_URL.split(','),
          name: 'edge-events',
          maxReconnectAttempts: -1,
        },
      });
      const registry = app.get(StageRegistry);
      // Events published while we were disconnected are lost: reload everything on reconnect.
      let disconnected = false;
      events.status.subscribe((status) => {
        if (status === 'disconnected' || status === 'reconnecting') disconnected = true;
        else if (status === 'connected' && disconnected) {
          disconnected = false;
          registry.requestResync('nats reconnect');
        }
      });
      await app.startAllMicroservices();
      dataPlane.attach(app.get(RequestPipeline), app.get(WebSocketGateway));
    },
  });
}

import { type DynamicModule, Module } from '@nestjs/common';
import { AccessControl } from '../auth/access-control';
import { ApiKeyGate } from '../auth/api-key-gate';
import { AuthEvents } from '../auth/auth-events';
import { AuthorizerGate } from '../auth/authorizer-gate';
import { JwtGate } from '../auth/jwt-gate';
import { IamGate } from '../auth/iam-gate';
import type { EdgeConfig } from '../config';
import { IntegrationsModule } from '../integrations';
import { ObservabilityModule } from '../observability/observability.module';
import { StagesModule } from '../stages/stages.module';
import { ConnectionsClient } from '../websocket/connections-client';
import { ConnectionsEndpoint } from '../websocket/connections-endpoint';
import { EdgeCommands } from '../websocket/edge-commands.service';
import { EdgeHeartbeat } from '../websocket/edge-heartbeat.service';
import { LiveConnections } from '../websocket/live-connections';
import { MessageRouter } from '../websocket/message-router';
import { WebSocketGateway } from '../websocket/websocket-gateway.service';
import { ThrottleGate } from '../throttling/throttle-gate';
import { RequestPipeline } from './request-pipeline.service';

@Module({})
export class PipelineModule {
  static forRoot(config: EdgeConfig): DynamicModule {
    return {
      module: PipelineModule,
      imports: [
        StagesModule,
        ObservabilityModule,
        IntegrationsModule.forRoot({
          accountId: config.PORTICO_ACCOUNT_ID,
          region: config.PORTICO_REGION,
          upstream: {
            connections: config.UPSTREAM_CONNECTIONS,
            keepAliveTimeoutMs: config.UPSTREAM_KEEPALIVE_MS,
            connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
          },
        }),
      ],
      providers: [
        RequestPipeline,
        ConnectionsClient,
        AuthEvents,
        AccessControl,
        ApiKeyGate,
        ThrottleGate,
        AuthorizerGate,
        JwtGate,
        IamGate,
        LiveConnections,
        MessageRouter,
        WebSocketGateway,
        EdgeCommands,
        EdgeHeartbeat,
        ConnectionsEndpoint,
      ],
      exports: [RequestPipeline, WebSocketGateway, LiveConnections],
    };
  }
}

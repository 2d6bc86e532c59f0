import { type DynamicModule, Module } from '@nestjs/common';
import { PlatformModule, REDIS_CLIENT, type ServiceRuntime } from '@portico/platform';
import type Redis from 'ioredis';
import { CONNECTIONS_CONFIG, type ConnectionsConfig } from './config';
import { ConnectionRegistry } from './registry/connection-registry.service';
import { ConnectionStore } from './registry/connection-store';
import { EdgeDelivery } from './registry/edge-delivery';
import { EdgeSweeper } from './registry/edge-sweeper.service';
import { RegistryTransport } from './registry/registry.transport';
import { CONNECTION_STORE } from './registry/tokens';

/** The connections service: the WebSocket connection registry and delivery to edges. */
@Module({})
export class ConnectionsModule {
  static forRoot(config: ConnectionsConfig, runtime: ServiceRuntime): DynamicModule {
    return {
      module: ConnectionsModule,
      imports: [PlatformModule.forRoot({ runtime, httpRequestLogging: false })],
      providers: [
        { provide: CONNECTIONS_CONFIG, useValue: config },
        {
          provide: CONNECTION_STORE,
          inject: [REDIS_CLIENT],
          useFactory: (redis: Redis) => new ConnectionStore(redis, config.REDIS_KEY_PREFIX),
        },
        EdgeDelivery,
        ConnectionRegistry,
        RegistryTransport,
        EdgeSweeper,
      ],
    };
  }
}

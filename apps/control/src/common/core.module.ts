import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { DefinitionStore } from '@portico/definitions';
import { REDIS_CLIENT } from '@portico/platform';
import type Redis from 'ioredis';
import type { ControlConfig } from '../config';
import { ControlEvents } from '../events/control-events.service';
import { Clock } from './clock';
import { CONTROL_CONFIG, EVENTS_CLIENT } from './tokens';

/** What every feature of control uses: its config, the definition store, the clock, events. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: ControlConfig): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        ClientsModule.register([
          {
            name: EVENTS_CLIENT,
            transport: Transport.NATS,
            options: {
              servers: config.common.NATS_URL.split(','),
              name: 'control-events',
              maxReconnectAttempts: -1,
              reconnectTimeWait: 500,
            },
          },
        ]),
      ],
      providers: [
        { provide: CONTROL_CONFIG, useValue: config },
        Clock,
        {
          provide: DefinitionStore,
          useFactory: (redis: Redis) => new DefinitionStore(redis, config.common.REDIS_KEY_PREFIX),
          inject: [REDIS_CLIENT],
        },
        ControlEvents,
      ],
      exports: [CONTROL_CONFIG, Clock, DefinitionStore, ControlEvents],
    };
  }
}

import { type DynamicModule, Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Registry } from 'prom-client';
import { HealthService } from '../health/health.service';
import { NATS_CONNECTION } from '../nats/nats';
import { REDIS_CLIENT } from '../redis/redis';
import type { ServiceRuntime } from './runtime';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const PINO_LOGGER = Symbol('PINO_LOGGER');
export const SERVICE_NAME = Symbol('SERVICE_NAME');

export interface PlatformModuleOptions {
  runtime: ServiceRuntime;
  /** Log every HTTP request through pino-http (management APIs); the edge writes its own access log. */
  httpRequestLogging: boolean;
}

/** Gives every module of a service its logger, metrics registry, health, NATS and Redis. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot({ runtime, httpRequestLogging }: PlatformModuleOptions): DynamicModule {
    const providers = [
      { provide: SERVICE_NAME, useValue: runtime.service },
      { provide: PINO_LOGGER, useValue: runtime.logger },
      { provide: METRICS_REGISTRY, useValue: runtime.registry as Registry },
      { provide: HealthService, useValue: runtime.health },
      { provide: NATS_CONNECTION, useValue: runtime.nats ?? null },
      { provide: REDIS_CLIENT, useValue: runtime.redis ?? null },
    ];
    return {
      module: PlatformModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger: runtime.logger,
            autoLogging: httpRequestLogging,
            quietReqLogger: true,
          },
          // No routes: pino-http's middleware is not bound at all (the edge writes its own access log).
          forRoutes: httpRequestLogging ? undefined : [],
        }),
      ],
      providers,
      exports: [...providers.map((p) => p.provide), LoggerModule],
    };
  }
}

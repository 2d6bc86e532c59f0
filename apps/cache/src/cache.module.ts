import { type DynamicModule, Module } from '@nestjs/common';
import { PlatformModule, type ServiceRuntime } from '@portico/platform';
import { CacheStore } from './cache-store';
import { CacheInvalidation } from './cache-invalidation';
import { CacheTransport } from './cache.transport';
import { CACHE_CONFIG, type CacheConfig } from './config';

/** The cache service: stage response entries in Redis, looked up, filled and invalidated over NATS. */
@Module({})
export class CacheModule {
  static forRoot(config: CacheConfig, runtime: ServiceRuntime): DynamicModule {
    return {
      module: CacheModule,
      imports: [PlatformModule.forRoot({ runtime, httpRequestLogging: false })],
      providers: [
        { provide: CACHE_CONFIG, useValue: config },
        CacheStore,
        CacheInvalidation,
        CacheTransport,
      ],
    };
  }
}

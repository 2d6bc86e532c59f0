import { type DynamicModule, Module } from '@nestjs/common';
import { PlatformModule, type ServiceRuntime } from '@portico/platform';
import { RATELIMIT_CONFIG, type RateLimitConfig } from './config';
import { RateLimiter } from './rate-limiter';
import { RateLimitTransport } from './ratelimit.transport';
import { UsageRecords } from './usage-records';

/** The ratelimit service: token buckets and quota counters in Redis, decided over NATS. */
@Module({})
export class RateLimitModule {
  static forRoot(config: RateLimitConfig, runtime: ServiceRuntime): DynamicModule {
    return {
      module: RateLimitModule,
      imports: [PlatformModule.forRoot({ runtime, httpRequestLogging: false })],
      providers: [
        { provide: RATELIMIT_CONFIG, useValue: config },
        RateLimiter,
        UsageRecords,
        RateLimitTransport,
      ],
    };
  }
}

import { Module } from '@nestjs/common';
import { UsagePlanStore } from '@portico/definitions';
import { REDIS_CLIENT } from '@portico/platform';
import type Redis from 'ioredis';
import { AuthClient } from '../apikeys/auth-client';
import { CONTROL_CONFIG } from '../common/tokens';
import type { ControlConfig } from '../config';
import { RatelimitClient } from './ratelimit-client';
import { UsageController } from './usage.controller';
import { UsageService } from './usage.service';
import { UsagePlansController } from './usageplans.controller';
import { UsagePlansService } from './usageplans.service';

@Module({
  controllers: [UsagePlansController, UsageController],
  providers: [
    UsagePlansService,
    UsageService,
    AuthClient,
    RatelimitClient,
    {
      provide: UsagePlanStore,
      useFactory: (redis: Redis, config: ControlConfig) =>
        new UsagePlanStore(redis, config.common.REDIS_KEY_PREFIX),
      inject: [REDIS_CLIENT, CONTROL_CONFIG],
    },
  ],
})
export class UsagePlansModule {}

import { Module } from '@nestjs/common';
import { DefinitionStore, UsagePlanStore } from '@portico/definitions';
import { REDIS_CLIENT } from '@portico/platform';
import type Redis from 'ioredis';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import { StageEventsController } from './stage-events.controller';
import { StageRegistry } from './stage-registry.service';
import { UsagePlanRegistry } from './usage-plan-registry';

@Module({
  controllers: [StageEventsController],
  providers: [
    {
      provide: DefinitionStore,
      useFactory: (redis: Redis, config: EdgeConfig) =>
        new DefinitionStore(redis, config.REDIS_KEY_PREFIX),
      inject: [REDIS_CLIENT, EDGE_CONFIG],
    },
    {
      provide: UsagePlanStore,
      useFactory: (redis: Redis, config: EdgeConfig) =>
        new UsagePlanStore(redis, config.REDIS_KEY_PREFIX),
      inject: [REDIS_CLIENT, EDGE_CONFIG],
    },
    StageRegistry,
    UsagePlanRegistry,
  ],
  exports: [StageRegistry, UsagePlanRegistry],
})
export class StagesModule {}

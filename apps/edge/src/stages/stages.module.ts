import { Module } from '@nestjs/common';
import { DefinitionStore } from '@portico/definitions';
import { REDIS_CLIENT } from '@portico/platform';
import type Redis from 'ioredis';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import { StageEventsController } from './stage-events.controller';
import { StageRegistry } from './stage-registry.service';

@Module({
  controllers: [StageEventsController],
  providers: [
    {
      provide: DefinitionStore,
      useFactory: (redis: Redis, config: EdgeConfig) =>
        new DefinitionStore(redis, config.REDIS_KEY_PREFIX),
      inject: [REDIS_CLIENT, EDGE_CONFIG],
    },
    StageRegistry,
  ],
  exports: [StageRegistry],
})
export class StagesModule {}

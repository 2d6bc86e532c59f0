import { Module } from '@nestjs/common';
import { AccessLog } from './access-log';
import { EdgeMetrics } from './edge-metrics';

@Module({ providers: [AccessLog, EdgeMetrics], exports: [AccessLog, EdgeMetrics] })
export class ObservabilityModule {}

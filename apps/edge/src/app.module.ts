import { type DynamicModule, Global, Module } from '@nestjs/common';
import { PlatformModule, type ServiceRuntime } from '@portico/platform';
import { EDGE_CONFIG, type EdgeConfig } from './config';
import { PipelineModule } from './pipeline/pipeline.module';
import { StagesModule } from './stages/stages.module';

@Global()
@Module({})
class EdgeConfigModule {
  static forRoot(config: EdgeConfig): DynamicModule {
    return {
      module: EdgeConfigModule,
      providers: [{ provide: EDGE_CONFIG, useValue: config }],
      exports: [EDGE_CONFIG],
    };
  }
}

/** The edge: stage registry (kept current over NATS), request pipeline, integrations. */
@Module({})
export class EdgeModule {
  static forRoot(config: EdgeConfig, runtime: ServiceRuntime): DynamicModule {
    return {
      module: EdgeModule,
      imports: [
        // The edge writes its own access log; pino-http stays off.
        PlatformModule.forRoot({ runtime, httpRequestLogging: false }),
        EdgeConfigModule.forRoot(config),
        StagesModule,
        PipelineModule.forRoot(config),
      ],
    };
  }
}

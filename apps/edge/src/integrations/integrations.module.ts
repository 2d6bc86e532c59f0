import { type DynamicModule, Module } from '@nestjs/common';
import { IntegrationService } from './integration.service';
import { INTEGRATIONS_OPTIONS, INVOKER, type IntegrationsOptions } from './integrations.constants';

/**
 * Integrations (HTTP, HTTP_PROXY, MOCK, AWS_PROXY) behind the INVOKER token. NATS, the pino
 * logger and the metrics registry come from the global PlatformModule.
 */
@Module({})
export class IntegrationsModule {
  static forRoot(options: IntegrationsOptions): DynamicModule {
    return {
      module: IntegrationsModule,
      providers: [
        { provide: INTEGRATIONS_OPTIONS, useValue: options },
        IntegrationService,
        { provide: INVOKER, useExisting: IntegrationService },
      ],
      exports: [INVOKER],
    };
  }
}

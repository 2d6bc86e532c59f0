import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { PlatformModule, type ServiceRuntime } from '@portico/platform';
import { AwsErrorFilter } from './common/aws-error.filter';
import { ManagementAuthGuard } from './common/management-auth.guard';
import { ApiKeysModule } from './apikeys/apikeys.module';
import { AuthorizersModule } from './authorizers/authorizers.module';
import { CoreModule } from './common/core.module';
import type { ControlConfig } from './config';
import { ConfigFileModule } from './config-file/config-file.module';
import { CredentialsModule } from './credentials/credentials.module';
import { DeploymentsModule } from './deployments/deployments.module';
import { DomainsModule } from './domains/domains.module';
import { ExportModule } from './export/export.module';
import { RestApisModule } from './restapis/restapis.module';
import { StagesModule } from './stages/stages.module';
import { UsagePlansModule } from './usageplans/usageplans.module';
import { V2Module } from './v2/v2.module';

@Module({})
export class ControlModule {
  static forRoot(config: ControlConfig, runtime: ServiceRuntime): DynamicModule {
    return {
      module: ControlModule,
      imports: [
        PlatformModule.forRoot({ runtime, httpRequestLogging: true }),
        CoreModule.forRoot(config),
        RestApisModule,
        ApiKeysModule,
        AuthorizersModule,
        CredentialsModule,
        DeploymentsModule,
        StagesModule,
        UsagePlansModule,
        ExportModule,
        DomainsModule,
        ConfigFileModule,
        V2Module,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AwsErrorFilter },
        { provide: APP_GUARD, useClass: ManagementAuthGuard },
      ],
    };
  }
}

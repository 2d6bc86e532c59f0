import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../apikeys/apikeys.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { ConfigFileApiKeySync } from './config-file.apikey-sync';
import { ConfigFileCredentialSync } from './config-file.credential-sync';
import { ConfigFileService } from './config-file.service';
import { ConfigFileUsagePlanSync } from './config-file.usage-plan-sync';
import { ConfigFileWatcher } from './config-file.watcher';

@Module({
  imports: [CredentialsModule, ApiKeysModule],
  providers: [
    ConfigFileService,
    ConfigFileWatcher,
    ConfigFileCredentialSync,
    ConfigFileApiKeySync,
    ConfigFileUsagePlanSync,
  ],
})
export class ConfigFileModule {}

import { Module } from '@nestjs/common';
import { CredentialsModule } from '../credentials/credentials.module';
import { ConfigFileCredentialSync } from './config-file.credential-sync';
import { ConfigFileService } from './config-file.service';
import { ConfigFileWatcher } from './config-file.watcher';

@Module({
  imports: [CredentialsModule],
  providers: [ConfigFileService, ConfigFileWatcher, ConfigFileCredentialSync],
})
export class ConfigFileModule {}

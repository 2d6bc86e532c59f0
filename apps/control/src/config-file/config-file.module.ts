import { Module } from '@nestjs/common';
import { ConfigFileService } from './config-file.service';
import { ConfigFileWatcher } from './config-file.watcher';

@Module({ providers: [ConfigFileService, ConfigFileWatcher] })
export class ConfigFileModule {}

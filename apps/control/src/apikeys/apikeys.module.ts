import { Module } from '@nestjs/common';
import { ApiKeysController } from './apikeys.controller';
import { ApiKeysService } from './apikeys.service';
import { AuthClient } from './auth-client';

@Module({
  controllers: [ApiKeysController],
  providers: [ApiKeysService, AuthClient],
  exports: [ApiKeysService],
})
export class ApiKeysModule {}

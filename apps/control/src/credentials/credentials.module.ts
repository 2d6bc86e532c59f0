import { Module } from '@nestjs/common';
import { AuthClient } from '../apikeys/auth-client';
import { CredentialsController } from './credentials.controller';
import { CredentialsService } from './credentials.service';

@Module({
  controllers: [CredentialsController],
  providers: [CredentialsService, AuthClient],
  exports: [CredentialsService],
})
export class CredentialsModule {}

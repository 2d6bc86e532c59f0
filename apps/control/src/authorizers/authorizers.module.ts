import { Module } from '@nestjs/common';
import { AuthorizersController } from './authorizers.controller';
import { AuthorizersService } from './authorizers.service';

@Module({ controllers: [AuthorizersController], providers: [AuthorizersService] })
export class AuthorizersModule {}

import { Module } from '@nestjs/common';
import { RestApisController } from './restapis.controller';
import { RestApisService } from './restapis.service';

@Module({
  controllers: [RestApisController],
  providers: [RestApisService],
  exports: [RestApisService],
})
export class RestApisModule {}

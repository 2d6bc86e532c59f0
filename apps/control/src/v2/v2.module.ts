import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { RestApisModule } from '../restapis/restapis.module';
import { StagesModule } from '../stages/stages.module';
import { WebSocketApisController } from './websocket-apis.controller';
import { WebSocketApisService } from './websocket-apis.service';
import { WebSocketAuthorizersController } from './websocket-authorizers.controller';
import { WebSocketAuthorizersService } from './websocket-authorizers.service';
import { WebSocketRoutesController } from './websocket-routes.controller';
import { WebSocketRoutesService } from './websocket-routes.service';

/** The Amazon API Gateway v2 management API, for WebSocket APIs. */
@Module({
  imports: [RestApisModule, StagesModule, DeploymentsModule],
  controllers: [WebSocketApisController, WebSocketRoutesController, WebSocketAuthorizersController],
  providers: [WebSocketApisService, WebSocketRoutesService, WebSocketAuthorizersService],
})
export class V2Module {}

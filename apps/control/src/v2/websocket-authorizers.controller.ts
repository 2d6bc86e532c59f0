import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import type { QueryParams } from '../common/query';
import { jsonBody } from '../common/request-body';
import {
  type CreateAuthorizerBody,
  createAuthorizerSchema,
  type UpdateAuthorizerBody,
  updateAuthorizerSchema,
} from './websocket-api.schemas';
import { v2PageQuery } from './websocket-apis.controller';
import { WebSocketAuthorizersService } from './websocket-authorizers.service';

/** Authorizers of a WebSocket API (v2 management API). */
@Controller('v2/apis/:apiId/authorizers')
export class WebSocketAuthorizersController {
  constructor(private readonly authorizers: WebSocketAuthorizersService) {}

  @Post()
  @HttpCode(201)
  create(@Param('apiId') apiId: string, @Body() body: unknown) {
    return this.authorizers.create(
      apiId,
      jsonBody<CreateAuthorizerBody>(body, createAuthorizerSchema),
    );
  }

  @Get()
  list(@Param('apiId') apiId: string, @Query() query: QueryParams) {
    return this.authorizers.list(apiId, v2PageQuery(query));
  }

  @Get(':authorizerId')
  get(@Param('apiId') apiId: string, @Param('authorizerId') authorizerId: string) {
    return this.authorizers.get(apiId, authorizerId);
  }

  @Patch(':authorizerId')
  update(
    @Param('apiId') apiId: string,
    @Param('authorizerId') authorizerId: string,
    @Body() body: unknown,
  ) {
    const req = jsonBody<UpdateAuthorizerBody>(body, updateAuthorizerSchema);
    return this.authorizers.update(apiId, authorizerId, req);
  }

  @Delete(':authorizerId')
  @HttpCode(204)
  async delete(
    @Param('apiId') apiId: string,
    @Param('authorizerId') authorizerId: string,
  ): Promise<void> {
    await this.authorizers.delete(apiId, authorizerId);
  }
}

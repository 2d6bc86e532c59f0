import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { patchOperationsOf } from '../common/patch-operations';
import { pageQuery, type QueryParams } from '../common/query';
import { jsonBody } from '../common/request-body';
import type { NewAuthorizer } from './authorizer.shapes';
import { AuthorizersService } from './authorizers.service';

const CREATE_AUTHORIZER_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._~-]+$' },
    type: { enum: ['TOKEN', 'REQUEST', 'COGNITO_USER_POOLS'] },
    authType: { type: 'string' },
    authorizerUri: { type: 'string' },
    authorizerCredentials: { type: 'string' },
    identitySource: { type: 'string' },
    identityValidationExpression: { type: 'string' },
    authorizerResultTtlInSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
    providerARNs: { type: 'array', items: { type: 'string' } },
  },
  required: ['name', 'type'],
} as const;

/** CreateAuthorizer, GetAuthorizers, GetAuthorizer, UpdateAuthorizer, DeleteAuthorizer. */
@Controller('restapis/:restApiId/authorizers')
export class AuthorizersController {
  constructor(private readonly authorizers: AuthorizersService) {}

  @Post()
  @HttpCode(201)
  create(@Param('restApiId') apiId: string, @Body() body: unknown) {
    return this.authorizers.create(apiId, jsonBody<NewAuthorizer>(body, CREATE_AUTHORIZER_SCHEMA));
  }

  @Get()
  list(@Param('restApiId') apiId: string, @Query() query: QueryParams) {
    return this.authorizers.list(apiId, pageQuery(query));
  }

  @Get(':authorizerId')
  get(@Param('restApiId') apiId: string, @Param('authorizerId') id: string) {
    return this.authorizers.get(apiId, id);
  }

  @Patch(':authorizerId')
  update(
    @Param('restApiId') apiId: string,
    @Param('authorizerId') id: string,
    @Body() body: unknown,
  ) {
    return this.authorizers.update(apiId, id, patchOperationsOf(body));
  }

  @Delete(':authorizerId')
  @HttpCode(202)
  async delete(
    @Param('restApiId') apiId: string,
    @Param('authorizerId') id: string,
  ): Promise<void> {
    await this.authorizers.delete(apiId, id);
  }
}

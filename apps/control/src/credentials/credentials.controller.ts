import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { patchOperationsOf } from '../common/patch-operations';
import { type QueryParams, queryValue } from '../common/query';
import { jsonBody } from '../common/request-body';
import { type CreateCredentialBody, CREATE_CREDENTIAL_SCHEMA } from './credential.schemas';
import { CredentialsService } from './credentials.service';

/** Credentials for AWS_IAM methods: create, list, get, update, delete. */
@Controller('credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown) {
    return this.credentials.create(jsonBody<CreateCredentialBody>(body, CREATE_CREDENTIAL_SCHEMA));
  }

  @Get()
  list(@Query() query: QueryParams) {
    return this.credentials.list({
      limit: queryValue(query, 'limit'),
      position: queryValue(query, 'position'),
    });
  }

  @Get(':accessKeyId')
  get(@Param('accessKeyId') accessKeyId: string) {
    return this.credentials.get(accessKeyId);
  }

  @Patch(':accessKeyId')
  update(@Param('accessKeyId') accessKeyId: string, @Body() body: unknown) {
    return this.credentials.update(accessKeyId, patchOperationsOf(body));
  }

  @Delete(':accessKeyId')
  @HttpCode(202)
  async delete(@Param('accessKeyId') accessKeyId: string): Promise<void> {
    await this.credentials.delete(accessKeyId);
  }
}

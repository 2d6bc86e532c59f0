import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { AwsBadRequestException } from '../common/aws-errors';
import { type QueryParams, queryValue } from '../common/query';
import { jsonBody, queryBoolean, rawBody } from '../common/request-body';
import { patchOperationsOf } from '../common/patch-operations';
import { type CreateApiKeyBody, CREATE_API_KEY_SCHEMA } from './apikey.schemas';
import { ApiKeysService } from './apikeys.service';

/** CreateApiKey, ImportApiKeys, GetApiKeys, GetApiKey, UpdateApiKey, DeleteApiKey. */
@Controller('apikeys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  create(@Query() query: QueryParams, @Body() body: unknown) {
    if (queryValue(query, 'mode') === 'import') {
      const format = queryValue(query, 'format');
      if (format !== 'csv') {
        throw new AwsBadRequestException(`Invalid format: ${format} (expected csv)`);
      }
      const failOnWarnings = queryBoolean(queryValue(query, 'failonwarnings'), 'failonwarnings');
      return this.keys.import(rawBody(body), failOnWarnings === true);
    }
    return this.keys.create(jsonBody<CreateApiKeyBody>(body, CREATE_API_KEY_SCHEMA));
  }

  @Get()
  list(@Query() query: QueryParams) {
    return this.keys.list({
      limit: queryValue(query, 'limit'),
      position: queryValue(query, 'position'),
      nameQuery: queryValue(query, 'name'),
      customerId: queryValue(query, 'customerId'),
      includeValues: queryBoolean(queryValue(query, 'includeValues'), 'includeValues'),
    });
  }

  @Get(':apiKey')
  get(@Param('apiKey') id: string, @Query() query: QueryParams) {
    return this.keys.get(
      id,
      queryBoolean(queryValue(query, 'includeValue'), 'includeValue') === true,
    );
  }

  @Patch(':apiKey')
  update(@Param('apiKey') id: string, @Body() body: unknown) {
    return this.keys.update(id, patchOperationsOf(body));
  }

  @Delete(':apiKey')
  @HttpCode(202)
  async delete(@Param('apiKey') id: string): Promise<void> {
    await this.keys.delete(id);
  }
}

import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { AwsBadRequestException } from '../common/aws-errors';
import { patchOperationsOf } from '../common/patch-operations';
import { pageQuery, queryEnum, queryList, type QueryParams, queryValue } from '../common/query';
import { queryBoolean, rawBody } from '../common/request-body';
import { type ImportParams, RestApisService } from './restapis.service';

const ENDPOINT_TYPES = ['EDGE', 'REGIONAL', 'PRIVATE'] as const;
const BASEPATH_MODES = ['ignore', 'prepend', 'split'] as const;

/**
 * ImportRestApi, PutRestApi, UpdateRestApi, GetRestApis, GetRestApi, DeleteRestApi,
 * GetResources, GetResource, GetMethod, UpdateMethod.
 */
@Controller('restapis')
export class RestApisController {
  constructor(private readonly restApis: RestApisService) {}

  @Post()
  importRestApi(@Query() query: QueryParams, @Body() body: unknown) {
    // POST /restapis without mode=import is CreateRestApi, which Portico does not offer.
    if (queryValue(query, 'mode') !== 'import') {
      throw new AwsBadRequestException(
        'CreateRestApi is not supported: import an OpenAPI document with POST /restapis?mode=import',
      );
    }
    return this.restApis.importRestApi(rawBody(body), importParams(query));
  }

  @Put(':restApiId')
  putRestApi(@Param('restApiId') id: string, @Query() query: QueryParams, @Body() body: unknown) {
    return this.restApis.putRestApi(id, rawBody(body), {
      ...importParams(query),
      mode: queryEnum(query, 'mode', ['merge', 'overwrite'] as const) ?? 'merge',
    });
  }

  @Patch(':restApiId')
  updateRestApi(@Param('restApiId') id: string, @Body() body: unknown) {
    return this.restApis.updateRestApi(id, patchOperationsOf(body));
  }

  @Get()
  getRestApis(@Query() query: QueryParams) {
    return this.restApis.getRestApis(pageQuery(query));
  }

  @Get(':restApiId')
  getRestApi(@Param('restApiId') id: string) {
    return this.restApis.getRestApi(id);
  }

  @Delete(':restApiId')
  @HttpCode(202)
  async deleteRestApi(@Param('restApiId') id: string): Promise<void> {
    await this.restApis.deleteRestApi(id);
  }

  @Get(':restApiId/resources')
  getResources(@Param('restApiId') id: string, @Query() query: QueryParams) {
    return this.restApis.getResources(id, {
      ...pageQuery(query),
      embedMethods: queryList(query, 'embed').includes('methods'),
    });
  }

  @Get(':restApiId/resources/:resourceId')
  getResource(
    @Param('restApiId') id: string,
    @Param('resourceId') resourceId: string,
    @Query() query: QueryParams,
  ) {
    return this.restApis.getResource(id, resourceId, queryList(query, 'embed').includes('methods'));
  }

  @Get(':restApiId/resources/:resourceId/methods/:httpMethod')
  getMethod(
    @Param('restApiId') id: string,
    @Param('resourceId') resourceId: string,
    @Param('httpMethod') httpMethod: string,
  ) {
    return this.restApis.getMethod(id, resourceId, httpMethod);
  }

  @Patch(':restApiId/resources/:resourceId/methods/:httpMethod')
  updateMethod(
    @Param('restApiId') id: string,
    @Param('resourceId') resourceId: string,
    @Param('httpMethod') httpMethod: string,
    @Body() body: unknown,
  ) {
    return this.restApis.updateMethod(id, resourceId, httpMethod, patchOperationsOf(body));
  }
}

function importParams(query: QueryParams): ImportParams {
  const types = queryList(query, 'endpointConfigurationTypes').map((t) => t.toUpperCase());
  const bad = types.find((t) => !(ENDPOINT_TYPES as readonly string[]).includes(t));
  if (bad !== undefined) {
    throw new AwsBadRequestException(
      `Invalid value for endpointConfigurationTypes: ${bad} (expected one of ${ENDPOINT_TYPES.join(', ')})`,
    );
  }
  return {
    failOnWarnings: queryBoolean(queryValue(query, 'failonwarnings'), 'failonwarnings'),
    basepath: queryEnum(query, 'basepath', BASEPATH_MODES),
    endpointTypes: types.length > 0 ? (types as ImportParams['endpointTypes']) : undefined,
  };
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import type { UsagePlan } from '@portico/definitions';
import { patchOperationsOf } from '../common/patch-operations';
import { pageQuery, type QueryParams, queryValue } from '../common/query';
import { jsonBody } from '../common/request-body';
import {
  CREATE_USAGE_PLAN_KEY_SCHEMA,
  CREATE_USAGE_PLAN_SCHEMA,
  type CreateUsagePlanKeyBody,
} from './usage-plan.schemas';
import { UsagePlansService } from './usageplans.service';

/**
 * CreateUsagePlan, GetUsagePlans, GetUsagePlan, UpdateUsagePlan, DeleteUsagePlan,
 * CreateUsagePlanKey, GetUsagePlanKeys, GetUsagePlanKey, DeleteUsagePlanKey.
 */
@Controller('usageplans')
export class UsagePlansController {
  constructor(private readonly plans: UsagePlansService) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown) {
    return this.plans.create(jsonBody<UsagePlan>(body, CREATE_USAGE_PLAN_SCHEMA));
  }

  @Get()
  list(@Query() query: QueryParams) {
    return this.plans.list({ ...pageQuery(query), keyId: queryValue(query, 'keyId') });
  }

  @Get(':usageplanId')
  get(@Param('usageplanId') id: string) {
    return this.plans.get(id);
  }

  @Patch(':usageplanId')
  update(@Param('usageplanId') id: string, @Body() body: unknown) {
    return this.plans.update(id, patchOperationsOf(body));
  }

  @Delete(':usageplanId')
  @HttpCode(202)
  async delete(@Param('usageplanId') id: string): Promise<void> {
    await this.plans.delete(id);
  }

  @Post(':usageplanId/keys')
  @HttpCode(201)
  createKey(@Param('usageplanId') id: string, @Body() body: unknown) {
    return this.plans.createKey(
      id,
      jsonBody<CreateUsagePlanKeyBody>(body, CREATE_USAGE_PLAN_KEY_SCHEMA),
    );
  }

  @Get(':usageplanId/keys')
  listKeys(@Param('usageplanId') id: string, @Query() query: QueryParams) {
    return this.plans.listKeys(id, { ...pageQuery(query), nameQuery: queryValue(query, 'name') });
  }

  @Get(':usageplanId/keys/:keyId')
  getKey(@Param('usageplanId') id: string, @Param('keyId') keyId: string) {
    return this.plans.getKey(id, keyId);
  }

  @Delete(':usageplanId/keys/:keyId')
  @HttpCode(202)
  async deleteKey(@Param('usageplanId') id: string, @Param('keyId') keyId: string) {
    await this.plans.deleteKey(id, keyId);
  }
}

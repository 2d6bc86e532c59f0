import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { patchOperationsOf } from '../common/patch-operations';
import { pageQuery, type QueryParams, queryValue } from '../common/query';
import { UsageService } from './usage.service';

/** GetUsage and UpdateUsage. */
@Controller('usageplans')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get(':usageplanId/usage')
  get(@Param('usageplanId') id: string, @Query() query: QueryParams) {
    return this.usage.get(id, {
      ...pageQuery(query),
      startDate: queryValue(query, 'startDate'),
      endDate: queryValue(query, 'endDate'),
      keyId: queryValue(query, 'keyId'),
    });
  }

  @Patch(':usageplanId/keys/:keyId/usage')
  update(@Param('usageplanId') id: string, @Param('keyId') keyId: string, @Body() body: unknown) {
    return this.usage.update(id, keyId, patchOperationsOf(body));
  }
}

import { Injectable, Logger } from '@nestjs/common';
import {
  quotaKey,
  RATELIMIT_USAGE_GET,
  RATELIMIT_USAGE_UPDATE,
  type UsageDay,
  type UsageGetReply,
  type UsageUpdateReply,
  usageKey,
} from '@portico/contracts';
import { quotaWindow, type UsagePlan, utcDay } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import { paginate } from '../common/pagination';
import type { PatchOperation } from '../common/patch-operations';
import { RatelimitClient } from './ratelimit-client';
import {
  planQuota,
  remainingOf,
  type ReportRange,
  reportRange,
  type UsageShape,
  usageRows,
} from './usage-report';
import { UsagePlansService } from './usageplans.service';

/** Most usage records one read of the ratelimit service may name (its own bound). */
const RECORDS_PER_READ = 5000;

/**
 * GetUsage and UpdateUsage: a plan's keys and quota from UsagePlansService, the per-day usage
 * records and quota counters from the ratelimit service, which the edges' requests write.
 */
@Injectable()
export class UsageService {
  private readonly logger = new Logger(UsageService.name);

  constructor(
    private readonly plans: UsagePlansService,
    private readonly ratelimit: RatelimitClient,
  ) {}

  /** GetUsage: a page of the plan's keys (or the one `keyId`), each day of the range. */
  async get(
    usagePlanId: string,
    query: {
      startDate?: string;
      endDate?: string;
      keyId?: string;
      limit?: string;
      position?: string;
    },
  ): Promise<UsageShape> {
    const plan = await this.plans.stored(usagePlanId);
    const range = reportRange(query.startDate, query.endDate, plan);
    let keyIds = await this.plans.keyIds(usagePlanId);
    if (query.keyId !== undefined && query.keyId !== '') {
      keyIds = keyIds.filter((id) => id === query.keyId);
    }
    const page = paginate(keyIds, query);
    return {
      usagePlanId,
      startDate: range.startDate,
      endDate: range.endDate,
      values: await this.rows(plan, range, page.item),
      ...(page.position === undefined ? {} : { position: page.position }),
    };
  }

  /**
   * UpdateUsage: what the key's quota has left in the current period becomes `replace
   * /remaining`'s value (more than the limit extends it, 0 exhausts it); answers today's usage.
   */
  async update(usagePlanId: string, keyId: string, ops: PatchOperation[]): Promise<UsageShape> {
    const remaining = remainingOf(ops);
    const plan = await this.plans.requireKeyInPlan(usagePlanId, keyId);
    const quota = planQuota(plan);
    if (!quota) {
      throw new AwsBadRequestException(
        `Usage plan ${usagePlanId} has no quota: there is no remaining quota to update`,
      );
    }
    const now = Date.now();
    const window = quotaWindow(quota, plan.quotaStartedAt, now);
    const today = utcDay(now);
    await this.ratelimit.call<UsageUpdateReply & { ok: true }>(RATELIMIT_USAGE_UPDATE, {
      quota: {
        key: quotaKey(usagePlanId, keyId, window.id),
        limit: window.limit,
        periodEndsAt: window.endsAt,
        usageKey: usageKey(usagePlanId, keyId, today),
      },
      remaining,
    });
    this.logger.log({ usagePlanId, keyId, remaining }, 'usage plan key quota remaining set');
    return this.get(usagePlanId, { startDate: today, endDate: today, keyId });
  }

  /** Per key, its rows; the reads split so none names more records than the service takes. */
  private async rows(
    plan: UsagePlan,
    range: ReportRange,
    keyIds: string[],
  ): Promise<Record<string, [number, number][]>> {
    const perRead = Math.max(1, Math.floor(RECORDS_PER_READ / range.days.length));
    const reads: Promise<Record<string, (UsageDay | null)[]>>[] = [];
    for (let i = 0; i < keyIds.length; i += perRead) {
      reads.push(
        this.ratelimit
          .call<UsageGetReply & { ok: true }>(RATELIMIT_USAGE_GET, {
            usagePlanId: plan.id,
            keyIds: keyIds.slice(i, i + perRead),
            days: range.days,
          })
          .then((reply) => reply.usage),
      );
    }
    const usage = Object.assign({}, ...(await Promise.all(reads))) as Record<
      string,
      (UsageDay | null)[]
    >;
    return Object.fromEntries(keyIds.map((id) => [id, usageRows(range, usage[id] ?? [], plan)]));
  }
}

import type { UsageDay } from '@portico/contracts';
import { type QuotaPeriod, quotaWindow, type UsagePlan, utcDay } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import { checkedPatch, type PatchOperation } from '../common/patch-operations';

/** The longest GetUsage range, in days (both ends included), as AWS allows. */
export const MAX_REPORT_DAYS = 90;

const DAY_MS = 24 * 3600 * 1000;

/** AWS's Usage: per API key id, one `[used, remaining]` per day of the range. */
export interface UsageShape {
  usagePlanId: string;
  startDate: string;
  endDate: string;
  /** AWS's wire name for the SDK's `items`. */
  values: Record<string, [number, number][]>;
  position?: string;
}

/** A plan's quota with what checkUsagePlan guarantees: a limit and a period. */
type Quota = { limit: number; period: QuotaPeriod; offset?: number };

export function planQuota(plan: UsagePlan): Quota | undefined {
  const q = plan.quota;
  return q?.limit !== undefined && q.period !== undefined
    ? { limit: q.limit, period: q.period, ...(q.offset === undefined ? {} : { offset: q.offset }) }
    : undefined;
}

/** The UTC midnight of a `YYYY-MM-DD` day; BadRequestException naming `name` when it is not one. */
export function parseDay(name: string, value: string | undefined): number {
  if (value === undefined || value === '') {
    throw new AwsBadRequestException(`Required parameter ${name} is missing (YYYY-MM-DD)`);
  }
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(at) || utcDay(at) !== value) {
    throw new AwsBadRequestException(`Invalid ${name}: ${value} (expected a date, YYYY-MM-DD)`);
  }
  return at;
}

/** The report's days, and the days to read: from the start of the first day's quota period. */
export interface ReportRange {
  startDate: string;
  endDate: string;
  /** Every day to read, in order: the period's earlier days, then the report's. */
  days: string[];
  /** How many of `days` come before startDate (read only to carry what the quota had left). */
  leadIn: number;
}

/** GetUsage's startDate and endDate checked as AWS checks them. */
export function reportRange(
  startDate: string | undefined,
  endDate: string | undefined,
  plan: UsagePlan,
): ReportRange {
  const start = parseDay('startDate', startDate);
  const end = parseDay('endDate', endDate);
  if (start > end) {
    throw new AwsBadRequestException(
      `The start date ${startDate} cannot be after the end date ${endDate}`,
    );
  }
  if ((end - start) / DAY_MS + 1 > MAX_REPORT_DAYS) {
    throw new AwsBadRequestException(
      `The usage data period cannot exceed ${MAX_REPORT_DAYS} days (${startDate} to ${endDate})`,
    );
  }
  const quota = planQuota(plan);
  const from = quota ? quotaWindow(quota, plan.quotaStartedAt, start).start : start;
  const days: string[] = [];
  for (let at = from; at <= end; at += DAY_MS) days.push(utcDay(at));
  return {
    startDate: startDate as string,
    endDate: endDate as string,
    days,
    leadIn: (start - from) / DAY_MS,
  };
}

/**
 * One key's `[used, remaining]` per report day, from its records of `range.days` (null where
 * none). A day without a record used nothing and had what the quota had left at the last
 * recorded day of the same period, or the period's whole limit when none was; under a plan
 * without a quota, remaining is what was recorded, else 0.
 */
export function usageRows(
  range: ReportRange,
  records: (UsageDay | null)[],
  plan: UsagePlan,
): [number, number][] {
  const quota = planQuota(plan);
  const rows: [number, number][] = [];
  let period: string | undefined;
  let carried: number | undefined;
  range.days.forEach((day, i) => {
    const record = records[i] ?? null;
    let remaining = record?.remaining ?? 0;
    if (quota) {
      const window = quotaWindow(quota, plan.quotaStartedAt, Date.parse(`${day}T00:00:00Z`));
      if (window.id !== period) {
        period = window.id;
        carried = undefined;
      }
      remaining = record?.remaining ?? carried ?? window.limit;
      carried = remaining;
    }
    if (i >= range.leadIn) rows.push([record?.used ?? 0, remaining]);
  });
  return rows;
}

/** UpdateUsage's operations: `replace /remaining` with a whole number of requests. */
export function remainingOf(ops: PatchOperation[]): number {
  if (ops.length === 0) {
    throw new AwsBadRequestException("Invalid patch operations: expected 'replace /remaining'");
  }
  let remaining = 0;
  for (const raw of ops) {
    const patch = checkedPatch(raw);
    if (patch.path !== '/remaining') {
      throw new AwsBadRequestException(
        `Invalid patch path '${patch.path}' specified for op '${patch.op}'. Must be one of: [replace /remaining]`,
      );
    }
    patch.only('replace');
    const text = patch.value();
    remaining = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(remaining)) {
      throw new AwsBadRequestException(
        `Invalid value for /remaining: ${text} (expected a whole number of requests)`,
      );
    }
  }
  return remaining;
}

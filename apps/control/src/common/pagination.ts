import { AwsBadRequestException } from './aws-errors';

export interface Page<T> {
  item: T[];
  position?: string;
}

/** AWS's list default and maximum page sizes. */
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 500;

/**
 * AWS-style paging over a list control already holds in memory: `position` is the opaque
 * token of the next page (here, the offset), `limit` 1–500, default 25.
 */
export function paginate<T>(items: T[], query: { limit?: string; position?: string }): Page<T> {
  const limit = pageLimit(query.limit);
  const start = parsePosition(query.position);
  const item = items.slice(start, start + limit);
  const next = start + limit;
  return next < items.length ? { item, position: String(next) } : { item };
}

/** A `limit` query value as a page size: 1–500, default 25. */
export function pageLimit(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_LIMIT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw new AwsBadRequestException(
      `Invalid limit: ${value} (expected an integer from 1 to ${MAX_LIMIT})`,
    );
  }
  return n;
}

function parsePosition(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^[0-9]{1,9}$/.test(value)) throw new AwsBadRequestException(`Invalid position: ${value}`);
  return Number(value);
}

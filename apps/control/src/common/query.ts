import { AwsBadRequestException } from './aws-errors';

export type QueryParams = Record<string, string | string[] | undefined>;

/** One value of a query parameter (the first, when a client repeats it). */
export function queryValue(query: QueryParams, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Every value of a list parameter, whether repeated (`a=1&a=2`) or comma-separated. */
export function queryList(query: QueryParams, name: string): string[] {
  const v = query[name];
  const values = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return values
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function queryEnum<T extends string>(
  query: QueryParams,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const v = queryValue(query, name);
  if (v === undefined || v === '') return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new AwsBadRequestException(
      `Invalid value for ${name}: ${v} (expected one of ${allowed.join(', ')})`,
    );
  }
  return v as T;
}

/** AWS list parameters `limit` and `position`. */
export function pageQuery(query: QueryParams): { limit?: string; position?: string } {
  return { limit: queryValue(query, 'limit'), position: queryValue(query, 'position') };
}

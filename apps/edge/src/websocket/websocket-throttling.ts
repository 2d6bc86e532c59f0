import type { BucketRef } from '@portico/contracts';
import type { MethodSetting } from '@portico/definitions';
import {
  addPlanBuckets,
  type BucketSet,
  bucketSetOf,
  boundedKey,
  type ThrottleLimit,
  throttleLimitOf,
} from '../throttling/throttle-plan';
import type { StagePlan } from '../throttling/usage-plan-index';

/**
 * New connections per second for a WebSocket API, across every edge: the bucket
 * `connect:{apiId}` with the API's `maxConnectionsPerSecond` as both rate and burst (a second's
 * worth; at least 1, so a fractional rate still admits). Undefined when the API sets no limit (0).
 */
export function connectBuckets(apiId: string, perSecond: number): BucketSet | undefined {
  if (!(perSecond > 0)) return undefined;
  return bucketSetOf([
    { key: `connect:${apiId}`, ratePerSecond: perSecond, burst: Math.max(1, perSecond) },
  ]);
}

/** A v2 stage's route settings, as far as throttling goes (AWS's RouteSettings members). */
export type RouteSettingLike = Partial<
  Pick<MethodSetting, 'throttlingRateLimit' | 'throttlingBurstLimit'>
>;

/**
 * A WebSocket stage's throttling: `defaultRouteSettings` (every route without its own) and
 * `routeSettings` by route key. A limit is set when both rate and burst are numbers ≥ 0.
 */
export interface RouteThrottling {
  readonly stageDefault?: ThrottleLimit;
  readonly routes: ReadonlyMap<string, ThrottleLimit>;
}

export const NO_ROUTE_THROTTLING: RouteThrottling = { routes: new Map() };

export function compileRouteThrottling(
  defaultRouteSettings: RouteSettingLike | undefined,
  routeSettings: Record<string, RouteSettingLike> | undefined,
): RouteThrottling {
  const stageDefault = throttleLimitOf(defaultRouteSettings);
  const routes = new Map<string, ThrottleLimit>();
  for (const [routeKey, setting] of Object.entries(routeSettings ?? {})) {
    const limit = throttleLimitOf(setting);
    if (limit) routes.set(routeKey, limit);
  }
  if (!stageDefault && routes.size === 0) return NO_ROUTE_THROTTLING;
  return { stageDefault, routes };
}

export interface MessageScope {
  apiId: string;
  stageName: string;
  routeKey: string;
  /** The API key `$connect` admitted the connection with, and the usage plan holding it now. */
  apiKey?: { id: string; plan: StagePlan };
}

/**
 * The buckets of a WebSocket message, layered as a REST request's: the account's always; then
 * the route's own throttling (`route:{apiId}/{stage}/{routeKey}`), which overrides the stage
 * default for that route; else the stage default (`stage:{apiId}/{stage}`), one bucket shared by
 * every route without its own. A connection admitted with an API key also counts its messages
 * against the key's usage plan: the plan's bucket for the key and its quota (a plan's method
 * throttles are for REST methods).
 */
export function messageBuckets(
  account: ThrottleLimit,
  throttling: RouteThrottling,
  scope: MessageScope,
  now: number = Date.now(),
): BucketSet {
  const buckets: BucketRef[] = [{ key: 'account', ...account }];
  const stage = `${scope.apiId}/${scope.stageName}`;
  const own = throttling.routes.get(scope.routeKey);
  if (own) buckets.push({ key: boundedKey('route', stage, `/${scope.routeKey}`), ...own });
  else if (throttling.stageDefault)
    buckets.push({ key: `stage:${stage}`, ...throttling.stageDefault });
  const quota = scope.apiKey ? addPlanBuckets(buckets, scope.apiKey, now) : undefined;
  return bucketSetOf(buckets, quota);
}

/** A connection's own message allowance: a token bucket kept on the connection itself. */
export interface MessageAllowance {
  messageTokens: number;
  messageRefilledAt: number;
}

/**
 * Takes one message token from a connection's bucket (refilled at `ratePerSecond`, holding at
 * most `burst`); false when it has none. A connection lives on one edge, so this is exact. A
 * clock stepping back refills nothing.
 */
export function takeMessageToken(
  a: MessageAllowance,
  ratePerSecond: number,
  burst: number,
  now: number,
): boolean {
  const elapsed = Math.max(0, now - a.messageRefilledAt);
  a.messageTokens = Math.min(burst, a.messageTokens + (elapsed / 1000) * ratePerSecond);
  a.messageRefilledAt = now;
  if (a.messageTokens < 1) return false;
  a.messageTokens -= 1;
  return true;
}

import type { RouteSettings, Stage, WebSocketDefinition } from '@portico/definitions';
import { AwsNotFoundException } from '../common/aws-errors';

type Shape = Record<string, unknown>;

/** A stage's route settings, as CreateStage and UpdateStage take them. */
export interface RouteSettingsChange {
  defaultRouteSettings?: RouteSettings;
  routeSettings?: Record<string, RouteSettings>;
}

/** What AWS answers for a member a stage never set. */
const UNSET: RouteSettings = {
  dataTraceEnabled: false,
  detailedMetricsEnabled: false,
  loggingLevel: 'OFF',
};

/**
 * Every route key of `routeSettings` must name a route of the API (its current routes, not the
 * deployed ones), else NotFoundException with AWS's message.
 */
export function checkRouteKeys(
  ws: WebSocketDefinition,
  routeSettings: Record<string, RouteSettings> | undefined,
): void {
  const keys = new Set(Object.values(ws.routes).map((r) => r.routeKey));
  for (const routeKey of Object.keys(routeSettings ?? {})) {
    if (!keys.has(routeKey)) {
      throw new AwsNotFoundException(
        `Unable to find Route by key ${routeKey} within the provided RouteSettings`,
      );
    }
  }
}

/**
 * UpdateStage's route settings: the members given replace the stored ones, in
 * `defaultRouteSettings` and in each route key's settings; route keys not given keep theirs
 * (DeleteRouteSettings removes one).
 */
export function withRouteSettings(current: Stage, change: RouteSettingsChange): Stage {
  const next: Stage = { ...current };
  if (change.defaultRouteSettings !== undefined) {
    next.defaultRouteSettings = { ...current.defaultRouteSettings, ...change.defaultRouteSettings };
  }
  if (change.routeSettings !== undefined) {
    const stored = current.routeSettings ?? {};
    // fromEntries, not assignment: a route key may be any string, `__proto__` included.
    next.routeSettings = Object.fromEntries([
      ...Object.entries(stored),
      ...Object.entries(change.routeSettings).map(([routeKey, settings]) => [
        routeKey,
        { ...(Object.hasOwn(stored, routeKey) ? stored[routeKey] : {}), ...settings },
      ]),
    ]) as Record<string, RouteSettings>;
  }
  return next;
}

/** DeleteRouteSettings: NotFoundException when the stage has no settings for the route key. */
export function withoutRouteSettings(current: Stage, routeKey: string): Stage {
  const routeSettings = { ...current.routeSettings };
  if (!Object.hasOwn(routeSettings, routeKey)) {
    throw new AwsNotFoundException(
      `Route settings not found: ${current.restApiId}/${current.stageName}/${routeKey}`,
    );
  }
  delete routeSettings[routeKey];
  return { ...current, routeSettings };
}

/** `defaultRouteSettings` and `routeSettings` as GetStage answers them. */
export function routeSettingsShape(s: Stage): Shape {
  const routeSettings = Object.fromEntries(
    Object.entries(s.routeSettings ?? {}).map(([routeKey, settings]) => [
      routeKey,
      { ...UNSET, ...settings },
    ]),
  );
  return { defaultRouteSettings: { ...UNSET, ...s.defaultRouteSettings }, routeSettings };
}

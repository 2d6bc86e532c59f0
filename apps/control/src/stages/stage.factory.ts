import type { RouteSettings, Stage } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';

/** AWS's stage name rule. */
export const STAGE_NAME_PATTERN = '^[A-Za-z0-9_-]{1,128}$';
/** AWS's stage variable name rule. */
export const VARIABLE_NAME_PATTERN = '^[A-Za-z0-9_]{1,64}$';
export const MAX_VARIABLE_VALUE_LENGTH = 512;
export const CACHE_CLUSTER_SIZES = [
  '0.5',
  '1.6',
  '6.1',
  '13.5',
  '28.4',
  '58.2',
  '118',
  '237',
] as const;

function checkStageName(name: string): void {
  if (!new RegExp(STAGE_NAME_PATTERN).test(name)) {
    throw new AwsBadRequestException(
      `Invalid stage name: ${JSON.stringify(name)} (only A-Z, a-z, 0-9, _ and -, at most 128 characters)`,
    );
  }
}

export function checkVariable(name: string, value: string): void {
  if (!new RegExp(VARIABLE_NAME_PATTERN).test(name)) {
    throw new AwsBadRequestException(
      `Invalid stage variable name: ${JSON.stringify(name)} (only A-Z, a-z, 0-9 and _, at most 64 characters)`,
    );
  }
  if (value.length > MAX_VARIABLE_VALUE_LENGTH) {
    throw new AwsBadRequestException(
      `Stage variable ${name} is longer than ${MAX_VARIABLE_VALUE_LENGTH} characters`,
    );
  }
}

function checkVariables(variables: Record<string, string> | undefined): void {
  for (const [name, value] of Object.entries(variables ?? {})) checkVariable(name, value);
}

export interface NewStage {
  restApiId: string;
  stageName: string;
  /** Required by v1's CreateStage; v2's may leave it out (the stage then serves nothing). */
  deploymentId?: string;
  description?: string;
  variables?: Record<string, string>;
  cacheClusterEnabled?: boolean;
  cacheClusterSize?: string;
  tracingEnabled?: boolean;
  tags?: Record<string, string>;
  /** v2 (WebSocket) stages: AWS's route settings, already checked. */
  defaultRouteSettings?: RouteSettings;
  routeSettings?: Record<string, RouteSettings>;
}

export function newStage(s: NewStage, now: number): Stage {
  return {
    restApiId: s.restApiId,
    stageName: s.stageName,
    deploymentId: s.deploymentId,
    description: s.description,
    variables: { ...s.variables },
    methodSettings: {},
    cacheClusterEnabled: s.cacheClusterEnabled ?? false,
    cacheClusterSize: s.cacheClusterEnabled ? (s.cacheClusterSize ?? '0.5') : s.cacheClusterSize,
    tracingEnabled: s.tracingEnabled ?? false,
    createdDate: now,
    lastUpdatedDate: now,
    tags: { ...s.tags },
    ...(s.defaultRouteSettings ? { defaultRouteSettings: { ...s.defaultRouteSettings } } : {}),
    ...(s.routeSettings ? { routeSettings: { ...s.routeSettings } } : {}),
  };
}

function checkCacheClusterSize(size: string | undefined): void {
  if (size !== undefined && !(CACHE_CLUSTER_SIZES as readonly string[]).includes(size)) {
    throw new AwsBadRequestException(
      `Invalid cacheClusterSize: ${size} (expected one of ${CACHE_CLUSTER_SIZES.join(', ')})`,
    );
  }
}

/** What CreateStage and CreateDeployment check before they touch the store. */
export function checkStageSettings(s: {
  stageName?: string;
  variables?: Record<string, string>;
  cacheClusterSize?: string;
}): void {
  if (s.stageName !== undefined) checkStageName(s.stageName);
  checkVariables(s.variables);
  checkCacheClusterSize(s.cacheClusterSize);
}

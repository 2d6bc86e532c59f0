import type { Stage } from '@portico/definitions';

/** Stage as AWS answers it. */
export function stageShape(stage: Stage): Record<string, unknown> {
  return {
    deploymentId: stage.deploymentId,
    stageName: stage.stageName,
    description: stage.description,
    cacheClusterEnabled: stage.cacheClusterEnabled,
    cacheClusterSize: stage.cacheClusterSize,
    cacheClusterStatus: stage.cacheClusterEnabled ? 'AVAILABLE' : 'NOT_AVAILABLE',
    methodSettings: stage.methodSettings,
    variables: stage.variables,
    tracingEnabled: stage.tracingEnabled,
    tags: stage.tags,
    createdDate: stage.createdDate,
    lastUpdatedDate: stage.lastUpdatedDate,
  };
}

import type { Deployment } from '@portico/definitions';

/**
 * Deployment as AWS answers it. AWS adds the `apiSummary` of what it serves only to
 * GetDeployment with `embed=apisummary`.
 */
export function deploymentShape(d: Deployment, withApiSummary = false): Record<string, unknown> {
  const shape = { id: d.id, description: d.description, createdDate: d.createdDate };
  return withApiSummary ? { ...shape, apiSummary: apiSummaryOf(d) } : shape;
}

function apiSummaryOf(d: Deployment): Record<string, unknown> {
  const apiSummary: Record<
    string,
    Record<string, { authorizationType: string; apiKeyRequired: boolean }>
  > = {};
  for (const resource of d.definition.resources) {
    for (const [key, method] of Object.entries(resource.methods)) {
      if (!method) continue;
      (apiSummary[resource.path] ??= {})[key] = {
        authorizationType: method.authorizationType,
        apiKeyRequired: method.apiKeyRequired,
      };
    }
  }
  return apiSummary;
}

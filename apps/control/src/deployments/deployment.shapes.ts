import type { Deployment } from '@portico/definitions';

/** Deployment as AWS answers it, with the `apiSummary` of what it serves. */
export function deploymentShape(d: Deployment): Record<string, unknown> {
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
  return { id: d.id, description: d.description, createdDate: d.createdDate, apiSummary };
}

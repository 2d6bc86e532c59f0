import type { ApiDefinition, Resource } from '../model/api-definition';

/**
 * PutRestApi `mode=merge`: methods of `incoming` are added, or replace the method with the same
 * path and HTTP method; everything else in `base` is left alone. Maps (models, security
 * schemes, gateway responses, extensions) are merged key by key, incoming winning. Neither
 * argument is modified.
 */
export function mergeDefinitions(base: ApiDefinition, incoming: ApiDefinition): ApiDefinition {
  const byPath = new Map<string, Resource>();
  for (const resource of base.resources) {
    byPath.set(resource.path, { ...resource, methods: { ...resource.methods } });
  }
  for (const resource of incoming.resources) {
    const existing = byPath.get(resource.path);
    if (existing) Object.assign(existing.methods, resource.methods);
    else byPath.set(resource.path, { ...resource, methods: { ...resource.methods } });
  }
  const merged: ApiDefinition = {
    title: incoming.title,
    // An array from one document cannot say "left out"; a union keeps what both declared.
    binaryMediaTypes: [...new Set([...base.binaryMediaTypes, ...incoming.binaryMediaTypes])],
    // HEADER is also the default, so only an explicit AUTHORIZER in incoming overrides.
    apiKeySource: incoming.apiKeySource === 'AUTHORIZER' ? 'AUTHORIZER' : base.apiKeySource,
    gatewayResponses: { ...base.gatewayResponses, ...incoming.gatewayResponses },
    resources: [...byPath.values()].sort((a, b) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
    ),
    models: { ...base.models, ...incoming.models },
    securitySchemes: { ...base.securitySchemes, ...incoming.securitySchemes },
    extensions: { ...base.extensions, ...incoming.extensions },
  };
  const version = incoming.version ?? base.version;
  if (version !== undefined) merged.version = version;
  const description = incoming.description ?? base.description;
  if (description !== undefined) merged.description = description;
  const compression = incoming.minimumCompressionSize ?? base.minimumCompressionSize;
  if (compression !== undefined) merged.minimumCompressionSize = compression;
  return merged;
}

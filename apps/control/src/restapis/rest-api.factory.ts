import type { ApiDefinition, EndpointType, RestApi } from '@portico/definitions';

/**
 * A RestApi's fields that come from its definition (info.description, info.version,
 * x-amazon-apigateway-binary-media-types, -api-key-source, -endpoint-configuration).
 */
type DefinitionFields = Pick<
  RestApi,
  | 'description'
  | 'version'
  | 'binaryMediaTypes'
  | 'apiKeySource'
  | 'disableExecuteApiEndpoint'
  | 'definition'
>;

function definitionFields(definition: ApiDefinition): DefinitionFields {
  const endpoint = definition.extensions['x-amazon-apigateway-endpoint-configuration'];
  const disable =
    typeof endpoint === 'object' && endpoint !== null
      ? (endpoint as { disableExecuteApiEndpoint?: unknown }).disableExecuteApiEndpoint
      : undefined;
  return {
    description: definition.description,
    version: definition.version,
    binaryMediaTypes: definition.binaryMediaTypes,
    apiKeySource: definition.apiKeySource,
    disableExecuteApiEndpoint: disable === true,
    definition,
  };
}

export function newRestApi(opts: {
  id: string;
  name: string;
  definition: ApiDefinition;
  createdDate: number;
  endpointTypes?: EndpointType[];
  tags?: Record<string, string>;
}): RestApi {
  return {
    id: opts.id,
    name: opts.name,
    createdDate: opts.createdDate,
    endpointConfiguration: { types: opts.endpointTypes ?? ['EDGE'] },
    tags: opts.tags ?? {},
    ...definitionFields(opts.definition),
  };
}

/** The API with a new definition; endpoint configuration, tags and stages stay as they were. */
export function withDefinition(api: RestApi, definition: ApiDefinition, name = api.name): RestApi {
  return { ...api, name, ...definitionFields(definition) };
}

/** AWS refuses to deploy an API without methods, and so do we: the stage would serve nothing. */
export function hasMethods(definition: ApiDefinition): boolean {
  return definition.resources.some((r) => Object.keys(r.methods).length > 0);
}

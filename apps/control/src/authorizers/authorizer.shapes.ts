import type { ApiDefinition } from '@portico/definitions';
import { stableId } from '../v2/websocket-api.factory';

/** An authorizer's members as AWS names them (CreateAuthorizer takes them all but the id). */
export interface NewAuthorizer {
  name: string;
  /** TOKEN, REQUEST or COGNITO_USER_POOLS. */
  type: string;
  authType?: string;
  authorizerUri?: string;
  identitySource?: string;
  identityValidationExpression?: string;
  authorizerResultTtlInSeconds?: number;
  providerARNs?: string[];
}

/** An Authorizer as API Gateway's v1 API shows it. */
export type AuthorizerShape = NewAuthorizer & { id: string };

type Scheme = Record<string, unknown>;

/** An authorizer's id: derived from the API and its name, so it is the same on every read. */
export const authorizerId = (apiId: string, name: string): string =>
  stableId(apiId, 'authorizer', name);

/** The security schemes of a definition that are authorizers, by name. */
export function authorizerSchemes(definition: ApiDefinition): Array<[string, Scheme]> {
  return Object.entries(definition.securitySchemes ?? {}).filter(
    (entry): entry is [string, Scheme] => {
      const scheme = entry[1];
      return (
        !!scheme &&
        typeof scheme === 'object' &&
        typeof (scheme as Scheme)['x-amazon-apigateway-authorizer'] === 'object'
      );
    },
  );
}

export function authorizerShape(apiId: string, name: string, scheme: Scheme): AuthorizerShape {
  const ext = scheme['x-amazon-apigateway-authorizer'] as Record<string, unknown>;
  const type = String(ext.type ?? '').toUpperCase();
  const header =
    typeof scheme.name === 'string' && scheme.in === 'header' ? scheme.name : 'Authorization';
  const identitySource =
    typeof ext.identitySource === 'string'
      ? ext.identitySource
      : type === 'TOKEN' || type === 'COGNITO_USER_POOLS'
        ? `method.request.header.${header}`
        : undefined;
  return {
    id: authorizerId(apiId, name),
    name,
    type,
    ...(typeof scheme['x-amazon-apigateway-authtype'] === 'string'
      ? { authType: scheme['x-amazon-apigateway-authtype'] }
      : {}),
    ...(typeof ext.authorizerUri === 'string' ? { authorizerUri: ext.authorizerUri } : {}),
    ...(identitySource === undefined ? {} : { identitySource }),
    ...(typeof ext.identityValidationExpression === 'string'
      ? { identityValidationExpression: ext.identityValidationExpression }
      : {}),
    authorizerResultTtlInSeconds:
      typeof ext.authorizerResultTtlInSeconds === 'number' ? ext.authorizerResultTtlInSeconds : 300,
    ...(Array.isArray(ext.providerARNs) ? { providerARNs: ext.providerARNs.map(String) } : {}),
  };
}

import { childLocation, isObject, type JsonObject } from '../util/json';
import { readFunctionAuthorizer } from '../model/authorizer';
import { readJwtAuthorizer } from '../model/jwt-authorizer';
import { DefinitionError } from './definition-error';
import type { ImportContext } from './import-context';

export type AuthorizerType = 'CUSTOM' | 'COGNITO_USER_POOLS' | 'JWT' | 'AWS_IAM';

export type SchemeKind =
  | { kind: 'apiKey' }
  | { kind: 'authorizer'; authorizationType: AuthorizerType }
  | { kind: 'unsupported'; reason: string };

export interface MethodAuth {
  authorizationType: string;
  authorizerName?: string;
  authorizationScopes?: string[];
  apiKeyRequired: boolean;
}

const AUTHORIZER_TYPES: Record<string, AuthorizerType> = {
  token: 'CUSTOM',
  request: 'CUSTOM',
  cognito_user_pools: 'COGNITO_USER_POOLS',
  jwt: 'JWT',
};

/**
 * What each security scheme means to API Gateway: the `x-api-key` API key, an authorizer
 * (`x-amazon-apigateway-authorizer`), IAM (`x-amazon-apigateway-authtype: awsSigv4`), or
 * something API Gateway does not enforce (plain bearer, OAuth2 without an authorizer).
 */
export function classifySchemes(
  schemes: JsonObject,
  location: string,
  ctx: ImportContext,
): Map<string, SchemeKind> {
  const kinds = new Map<string, SchemeKind>();
  for (const [name, value] of Object.entries(schemes)) {
    const at = childLocation(location, name);
    const scheme = isObject(value) ? value : {};
    const authorizer = scheme['x-amazon-apigateway-authorizer'];
    const authType = String(scheme['x-amazon-apigateway-authtype'] ?? '').toLowerCase();
    if (authorizer !== undefined) {
      const type = isObject(authorizer) ? String(authorizer.type ?? '').toLowerCase() : '';
      const authorizationType = AUTHORIZER_TYPES[type];
      if (!authorizationType) {
        throw new DefinitionError(
          `Invalid authorizer type ${JSON.stringify(isObject(authorizer) ? authorizer.type : authorizer)}: expected token, request, cognito_user_pools or jwt`,
          childLocation(at, 'x-amazon-apigateway-authorizer.type'),
        );
      }
      if (authorizationType !== 'AWS_IAM') {
        const read =
          authorizationType === 'CUSTOM'
            ? readFunctionAuthorizer(name, scheme)
            : readJwtAuthorizer(name, scheme);
        if (typeof read === 'string') {
          throw new DefinitionError(
            `Invalid authorizer '${name}': ${read}`,
            childLocation(at, 'x-amazon-apigateway-authorizer'),
          );
        }
      }
      kinds.set(name, { kind: 'authorizer', authorizationType });
    } else if (authType === 'awssigv4' || authType === 'aws_iam') {
      kinds.set(name, { kind: 'authorizer', authorizationType: 'AWS_IAM' });
    } else if (scheme.type === 'apiKey') {
      if (scheme.in !== 'header' || String(scheme.name).toLowerCase() !== 'x-api-key') {
        ctx.warn(
          `API key scheme '${name}' is read from the x-api-key header, as API Gateway does`,
          at,
        );
      }
      kinds.set(name, { kind: 'apiKey' });
    } else {
      const reason = `security scheme '${name}' (type ${String(scheme.type)}) has no x-amazon-apigateway-authorizer and is not enforced`;
      kinds.set(name, { kind: 'unsupported', reason });
    }
  }
  return kinds;
}

/** Authorization of one method from its security requirements (or the document's). */
export function methodAuth(
  requirements: unknown,
  kinds: Map<string, SchemeKind>,
  warned: Set<string>,
  ctx: ImportContext,
  location: string,
): MethodAuth {
  const auth: MethodAuth = { authorizationType: 'NONE', apiKeyRequired: false };
  if (!Array.isArray(requirements)) return auth;
  for (const requirement of requirements) {
    if (!isObject(requirement)) continue;
    for (const [name, scopes] of Object.entries(requirement)) {
      const kind = kinds.get(name);
      if (!kind) {
        throw new DefinitionError(`Security scheme '${name}' is not defined`, location);
      }
      if (kind.kind === 'apiKey') {
        auth.apiKeyRequired = true;
      } else if (kind.kind === 'unsupported') {
        if (!warned.has(name)) ctx.warn(kind.reason, location);
        warned.add(name);
      } else {
        if (auth.authorizerName !== undefined && auth.authorizerName !== name) {
          throw new DefinitionError(
            `A method can use one authorizer; found '${auth.authorizerName}' and '${name}'`,
            location,
          );
        }
        auth.authorizationType = kind.authorizationType;
        auth.authorizerName = name;
        if (Array.isArray(scopes) && scopes.length) auth.authorizationScopes = scopes.map(String);
      }
    }
  }
  return auth;
}

/** `x-amazon-apigateway-auth: { type: AWS_IAM | NONE }` on an operation. */
export function applyAuthExtension(auth: MethodAuth, value: unknown, location: string): void {
  if (value === undefined) return;
  const type =
    isObject(value) && typeof value.type === 'string' ? value.type.toUpperCase() : undefined;
  if (type !== 'AWS_IAM' && type !== 'NONE') {
    throw new DefinitionError(
      `Invalid x-amazon-apigateway-auth type ${JSON.stringify(isObject(value) ? value.type : value)}: expected AWS_IAM or NONE`,
      location,
    );
  }
  if (type === 'NONE') return;
  if (auth.authorizerName !== undefined && auth.authorizationType !== 'AWS_IAM') {
    throw new DefinitionError(
      `x-amazon-apigateway-auth AWS_IAM conflicts with authorizer '${auth.authorizerName}'`,
      location,
    );
  }
  auth.authorizationType = 'AWS_IAM';
}

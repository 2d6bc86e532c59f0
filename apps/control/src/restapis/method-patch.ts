import type { ApiDefinition, Method } from '@portico/definitions';
import { authorizerId, authorizerSchemes } from '../authorizers/authorizer.shapes';
import { AwsBadRequestException } from '../common/aws-errors';
import { checkedPatch, type PatchOperation } from '../common/patch-operations';

/** REST API authorization types (JWT belongs to HTTP APIs, and Portico has none of those). */
const AUTHORIZATION_TYPES = ['NONE', 'CUSTOM', 'AWS_IAM', 'COGNITO_USER_POOLS'] as const;
type AuthorizationType = (typeof AUTHORIZATION_TYPES)[number];

/** The authorization type each kind of authorizer (`x-amazon-apigateway-authorizer.type`) serves. */
const TYPE_OF_AUTHORIZER: Record<string, AuthorizationType> = {
  token: 'CUSTOM',
  request: 'CUSTOM',
  cognito_user_pools: 'COGNITO_USER_POOLS',
};

const NEEDS_AUTHORIZER =
  'Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.';

/** What an UpdateMethod changes, and which of it the patch named (checked once all are applied). */
interface Draft {
  method: Method;
  authorizerSet: boolean;
  scopesChanged: boolean;
}

/** An authorizer of the API: its scheme name and the authorization type it serves, if any. */
interface AuthorizerRef {
  name: string;
  serves?: AuthorizationType;
}

/**
 * Applies UpdateMethod's patch operations to a copy of `method`: authorization (type,
 * authorizer, scopes), `apiKeyRequired` and `operationName`. The result is checked as a whole
 * — CUSTOM and COGNITO_USER_POOLS need an authorizer of their kind — so operations may come in
 * any order, and one that cannot apply rejects them all.
 */
export function applyMethodPatch(
  apiId: string,
  definition: ApiDefinition,
  method: Method,
  operations: PatchOperation[],
): Method {
  const authorizers = authorizerSchemes(definition).map(([name, scheme]): AuthorizerRef => {
    const ext = scheme['x-amazon-apigateway-authorizer'] as Record<string, unknown>;
    return { name, serves: TYPE_OF_AUTHORIZER[String(ext.type ?? '').toLowerCase()] };
  });
  const draft: Draft = {
    method: structuredClone(method),
    authorizerSet: false,
    scopesChanged: false,
  };
  for (const operation of operations) applyOne(draft, operation, apiId, authorizers);
  return settle(draft, authorizers);
}

/** The id GetMethod shows for a method's authorizer, when it names one of the API's. */
export function methodAuthorizerId(
  apiId: string,
  definition: ApiDefinition,
  method: Method,
): string | undefined {
  const name = method.authorizerName;
  if (name === undefined || method.authorizationType === 'NONE') return undefined;
  return authorizerSchemes(definition).some(([n]) => n === name)
    ? authorizerId(apiId, name)
    : undefined;
}

function applyOne(
  draft: Draft,
  patch: PatchOperation,
  apiId: string,
  authorizers: AuthorizerRef[],
): void {
  const { op, path, only, value, flag } = checkedPatch(patch);
  const method = draft.method;

  switch (path) {
    case '/authorizationType': {
      only('replace');
      const type = value();
      if (!(AUTHORIZATION_TYPES as readonly string[]).includes(type)) {
        throw new AwsBadRequestException(
          `Invalid authorization type specified: ${type}. Must be one of [${AUTHORIZATION_TYPES.join(', ')}]`,
        );
      }
      method.authorizationType = type;
      return;
    }
    case '/authorizerId': {
      only('replace', 'remove');
      draft.authorizerSet = true;
      if (op === 'remove' || !patch.value) {
        delete method.authorizerName;
        return;
      }
      const id = patch.value;
      const found = authorizers.find((a) => authorizerId(apiId, a.name) === id);
      if (!found) throw new AwsBadRequestException(`Invalid authorizer ID specified: ${id}`);
      method.authorizerName = found.name;
      return;
    }
    case '/apiKeyRequired': {
      only('replace');
      method.apiKeyRequired = flag();
      return;
    }
    case '/authorizationScopes': {
      only('add', 'remove');
      draft.scopesChanged = true;
      const scopes = method.authorizationScopes ?? [];
      if (op === 'add') {
        const scope = value();
        if (scope === '' || /\s/.test(scope)) {
          throw new AwsBadRequestException(`Invalid authorization scope: ${JSON.stringify(scope)}`);
        }
        if (!scopes.includes(scope)) scopes.push(scope);
        method.authorizationScopes = scopes;
        return;
      }
      // remove without a value clears the list, as AWS does.
      const left = patch.value ? scopes.filter((s) => s !== patch.value) : [];
      if (left.length > 0) method.authorizationScopes = left;
      else delete method.authorizationScopes;
      return;
    }
    case '/operationName': {
      only('replace', 'remove');
      const name = op === 'remove' ? '' : (patch.value ?? '').trim();
      if (name === '') delete method.operationId;
      else method.operationId = name;
      return;
    }
    default:
      throw new AwsBadRequestException(`Invalid patch path ${path}`);
  }
}

/**
 * The method as the operations leave it, if it can run: CUSTOM and COGNITO_USER_POOLS name an
 * authorizer of their kind; NONE and AWS_IAM name none (an authorizer left over from a previous
 * type is dropped, one this patch set is refused); scopes only with COGNITO_USER_POOLS.
 */
function settle(draft: Draft, authorizers: AuthorizerRef[]): Method {
  const method = draft.method;
  const type = method.authorizationType;
  const authorizer = authorizers.find((a) => a.name === method.authorizerName);
  if (type === 'CUSTOM' || type === 'COGNITO_USER_POOLS') {
    if (!authorizer) throw new AwsBadRequestException(NEEDS_AUTHORIZER);
    if (authorizer.serves !== type) {
      throw new AwsBadRequestException(
        `Invalid authorizer ID specified. Authorizer '${authorizer.name}' cannot be used with authorization type ${type}`,
      );
    }
  } else if (authorizer) {
    if (draft.authorizerSet) {
      throw new AwsBadRequestException(
        `An authorizer can only be set on a method whose authorization type is CUSTOM or COGNITO_USER_POOLS, not ${type}`,
      );
    }
    delete method.authorizerName;
  } else if (type === 'NONE') {
    // An AWS_IAM method may name its SigV4 security scheme; a method without authorization none.
    delete method.authorizerName;
  }
  if (type !== 'COGNITO_USER_POOLS' && method.authorizationScopes !== undefined) {
    if (draft.scopesChanged && method.authorizationScopes.length > 0) {
      throw new AwsBadRequestException(
        `Authorization scopes apply to COGNITO_USER_POOLS methods only, not ${type}`,
      );
    }
    delete method.authorizationScopes;
  }
  return method;
}

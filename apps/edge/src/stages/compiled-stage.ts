import {
  type ActiveStage,
  type ApiKeySource,
  type DomainName,
  type FunctionAuthorizer,
  type JwtAuthorizer,
  readFunctionAuthorizer,
  readJwtAuthorizer,
  type StageHead,
} from '@portico/definitions';
import { parsePolicy, type PolicyDocument, RESOURCE_POLICY } from '@portico/iam';
import { GatewayResponses } from '../responses/gateway-responses';
import {
  basePathSegments,
  type BasePathMappingRef,
  type DomainRef,
  type TargetStage,
} from '../routing/invocation-target';
import { RouteTable } from '../routing/route-table';
import { compileStageThrottling, type StageThrottling } from '../throttling/throttle-plan';
import { type CompiledWebSocket, compileWebSocket } from '../websocket/route-selection';
import { compileRouteThrottling } from '../websocket/websocket-throttling';

/** A stage ready to serve: everything a request needs, immutable once built. */
export interface CompiledStage extends TargetStage {
  readonly deploymentId: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly binaryMediaTypes: readonly string[];
  /** Where methods that require an API key read it from. */
  readonly apiKeySource: ApiKeySource;
  /** The deployment's function authorizers, by the security scheme name methods use. */
  readonly authorizers: ReadonlyMap<string, CompiledAuthorizer>;
  /**
   * The API's resource policy as deployed (`x-amazon-apigateway-policy`), `execute-api:/…`
   * resources expanded to this API's ARNs; absent when it has none.
   */
  readonly resourcePolicy?: PolicyDocument;
  /** The deployment's JWT and Cognito authorizers, by scheme name. */
  readonly jwtAuthorizers: ReadonlyMap<string, JwtAuthorizer>;
  readonly routes: RouteTable;
  readonly responses: GatewayResponses;
  /** The stage default and per-method throttling of its `methodSettings`. */
  readonly throttling: StageThrottling;
  /** Set for WebSocket APIs (then `routes` is empty: their HTTP paths are @connections only). */
  readonly webSocket?: CompiledWebSocket;
  /** Changes whenever anything served changes, so a resync skips stages that did not. */
  readonly fingerprint: string;
}

/** A function authorizer with its `identityValidationExpression` compiled once, not per request. */
export interface CompiledAuthorizer extends FunctionAuthorizer {
  /** Matches a whole token (the expression anchored). */
  readonly validation?: RegExp;
}

export interface CompiledDomain extends DomainRef {
  readonly domainName: string;
  readonly fingerprint: string;
}

/** Where this gateway is, for the ARNs a stage's policies name. */
export interface GatewayScope {
  region: string;
  accountId: string;
}

/** Throws (RouteCompileError and friends) when the deployment cannot be served. */
export function compileStage(active: ActiveStage, scope: GatewayScope): CompiledStage {
  const { stage, deployment, api } = active;
  return {
    apiId: stage.restApiId,
    stageName: stage.stageName,
    disableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
    deploymentId: deployment.id,
    variables: { ...stage.variables },
    binaryMediaTypes: [...api.binaryMediaTypes],
    apiKeySource: api.apiKeySource,
    authorizers: functionAuthorizers(deployment.definition.securitySchemes),
    jwtAuthorizers: jwtAuthorizers(deployment.definition.securitySchemes),
    resourcePolicy: resourcePolicy(
      `arn:aws:execute-api:${scope.region}:${scope.accountId}:${stage.restApiId}/`,
      deployment.definition.extensions['x-amazon-apigateway-policy'],
    ),
    routes: RouteTable.compile(deployment.definition.resources),
    responses: new GatewayResponses(deployment.definition.gatewayResponses),
    throttling: compileStageThrottling(stage.methodSettings),
    webSocket:
      api.protocolType === 'WEBSOCKET' && deployment.definition.webSocket
        ? compileWebSocket(
            deployment.definition.webSocket,
            compileRouteThrottling(stage.defaultRouteSettings, stage.routeSettings),
          )
        : undefined,
    fingerprint: stageFingerprint(active),
  };
}

/**
 * Deployments are immutable by id, so the definition is covered by the deployment id: a stage's
 * fingerprint is known before its deployment is read.
 */
export function stageFingerprint({ stage, api }: StageHead): string {
  // Method and route settings too: two updates within one second share a lastUpdatedDate
  // (epoch seconds).
  return JSON.stringify([
    stage.deploymentId,
    stage.lastUpdatedDate,
    stage.variables,
    stage.methodSettings,
    stage.defaultRouteSettings,
    stage.routeSettings,
    api,
  ]);
}

export function compileDomain(domain: DomainName): CompiledDomain {
  const mappings: BasePathMappingRef[] = domain.basePathMappings
    .map((m) => ({
      basePath: basePathSegments(m.basePath),
      restApiId: m.restApiId,
      stage: m.stage,
    }))
    .sort((a, b) => b.basePath.length - a.basePath.length);
  return {
    domainName: domain.domainName.toLowerCase(),
    mappings,
    fingerprint: JSON.stringify(domain.basePathMappings),
  };
}

/** The function authorizers among the security schemes (import checked them already). */
function functionAuthorizers(
  schemes: Record<string, unknown> | undefined,
): Map<string, CompiledAuthorizer> {
  const authorizers = new Map<string, CompiledAuthorizer>();
  for (const [name, scheme] of Object.entries(schemes ?? {})) {
    if (!scheme || typeof scheme !== 'object') continue;
    const read = readFunctionAuthorizer(name, scheme as Record<string, unknown>);
    if (typeof read === 'string') continue;
    const expression = read.identityValidationExpression;
    authorizers.set(
      name,
      expression === undefined ? read : { ...read, validation: new RegExp(`^(?:${expression})$`) },
    );
  }
  return authorizers;
}

/** The JWT and Cognito authorizers among the security schemes (import checked them already). */
function jwtAuthorizers(schemes: Record<string, unknown> | undefined): Map<string, JwtAuthorizer> {
  const authorizers = new Map<string, JwtAuthorizer>();
  for (const [name, scheme] of Object.entries(schemes ?? {})) {
    if (!scheme || typeof scheme !== 'object') continue;
    const read = readJwtAuthorizer(name, scheme as Record<string, unknown>);
    if (typeof read !== 'string') authorizers.set(name, read);
  }
  return authorizers;
}

/**
 * The resource policy, read as import read it (one that no longer reads throws: the stage is not
 * served rather than served without it). API Gateway lets resources say `execute-api:/stage/GET/x`
 * for this API's own ARNs and expands them with its region and account when it saves the policy;
 * so does this, with this gateway's (a wildcard there would let `*` run across a crafted path).
 */
function resourcePolicy(apiArn: string, value: unknown): PolicyDocument | undefined {
  if (value === undefined || value === null) return undefined;
  const policy = parsePolicy(value, RESOURCE_POLICY);
  const expand = (resources: string[] | undefined) =>
    resources?.map((resource) =>
      resource.startsWith('execute-api:/')
        ? `${apiArn}${resource.slice('execute-api:/'.length)}`
        : resource,
    );
  return {
    ...policy,
    Statement: policy.Statement.map((statement) => ({
      ...statement,
      ...(statement.Resource ? { Resource: expand(statement.Resource) } : {}),
      ...(statement.NotResource ? { NotResource: expand(statement.NotResource) } : {}),
    })),
  };
}

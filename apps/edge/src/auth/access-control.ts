import { Inject, Injectable } from '@nestjs/common';
import type { Method } from '@portico/definitions';
import { PINO_LOGGER, type PinoLogger } from '@portico/platform';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import type { WebSocketEventContext } from '../integrations/integration.types';
import type { ServedRoute } from '../websocket/route-selection';
import type { EdgeRequest } from '../pipeline/edge-request';
import type { GatewayError } from '../responses/gateway-error';
import type { CompiledStage } from '../stages/compiled-stage';
import { ThrottleGate } from '../throttling/throttle-gate';
import { ApiKeyGate } from './api-key-gate';
import { AuthorizerGate } from './authorizer-gate';
import { IamGate } from './iam-gate';
import { JwtGate } from './jwt-gate';
import { notAuthorized, requestArn, resourcePolicyDecision, routeArn } from './resource-policy';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * Everything that decides whether a routed REST request may reach its integration, in API
 * Gateway's order: the resource policy and the method's authorization (AWS_IAM, a JWT or
 * Cognito authorizer, a Lambda authorizer), then the API key, then throttling. The resource policy combines as
 * API Gateway's evaluation tables say: an explicit Deny always refuses (before a Lambda
 * authorizer is called); an AWS_IAM caller is admitted when its identity policy or the resource
 * policy allows; a Lambda authorizer's policy and the resource policy likewise; every other
 * caller (no authorization, or a JWT/Cognito token) needs the resource policy's explicit Allow.
 */
@Injectable()
export class AccessControl {
  constructor(
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    private readonly apiKeys: ApiKeyGate,
    private readonly authorizers: AuthorizerGate,
    private readonly jwt: JwtGate,
    private readonly iam: IamGate,
    private readonly throttle: ThrottleGate,
    @Inject(PINO_LOGGER) logger: PinoLogger,
  ) {
    if (config.CONNECTIONS_API_AUTH === 'none' && !LOOPBACK.test(config.EDGE_HOST)) {
      logger.warn(
        { EDGE_HOST: config.EDGE_HOST },
        '@connections and @channels take unsigned calls from anyone who reaches this edge: set CONNECTIONS_API_AUTH=iam unless only your backends can',
      );
    }
  }

  /** Admits the request (setting what the checks learnt on it) or says why not; never throws. */
  async admit(
    r: EdgeRequest,
    stage: CompiledStage,
    method: Method,
  ): Promise<GatewayError | undefined> {
    const refused =
      (await this.authorize(r, stage, method)) ??
      (method.apiKeyRequired ? await this.apiKeys.check(r, stage) : undefined);
    if (refused) return refused;
    // Throttled last, as API Gateway orders it: a refused request takes no token.
    return r.route ? this.throttle.check(r, stage, r.route) : undefined;
  }

  /**
   * A call to a WebSocket API's `@connections` or `@channels` endpoint: with
   * CONNECTIONS_API_AUTH=iam it must be signed (SigV4) by a credential whose policies allow
   * `execute-api:ManageConnections` on `…:{apiId}/{stage}/{METHOD}/@connections/{id}`, as on
   * API Gateway; with `none` (the default, for local use) anyone who reaches the edge may.
   */
  manageConnections(r: EdgeRequest, stage: CompiledStage): Promise<GatewayError | undefined> {
    if (this.config.CONNECTIONS_API_AUTH === 'none') return Promise.resolve(undefined);
    return this.iam.authorize(r, stage, { action: 'execute-api:ManageConnections' });
  }

  /**
   * A WebSocket handshake, for its `$connect` route: the Lambda REQUEST authorizer or AWS_IAM
   * (on `…:{apiId}/{stage}/$connect`), then the API key, as API Gateway checks them.
   */
  async admitConnect(
    r: EdgeRequest,
    stage: CompiledStage,
    route: ServedRoute,
    connect: WebSocketEventContext,
  ): Promise<GatewayError | undefined> {
    const refused = route.authorizer
      ? await this.authorizers.authorizeConnect(r, stage, route.authorizer, connect)
      : route.iam
        ? await this.iam.authorize(r, stage, {
            arn: routeArn(r, stage, this.config.PORTICO_REGION, connect.routeKey),
          })
        : undefined;
    if (refused) return refused;
    return route.apiKeyRequired ? this.apiKeys.check(r, stage) : undefined;
  }

  private async authorize(
    r: EdgeRequest,
    stage: CompiledStage,
    method: Method,
  ): Promise<GatewayError | undefined> {
    const type = method.authorizationType;
    // The IAM gate weighs the resource policy against the signer's own policies.
    if (type === 'AWS_IAM') return this.iam.authorize(r, stage);
    let resourceAllows = false;
    if (stage.resourcePolicy) {
      const arn = requestArn(r, stage, this.config.PORTICO_REGION);
      const decision = resourcePolicyDecision(r, stage, arn);
      if (decision === 'Deny' || (decision !== 'Allow' && type !== 'CUSTOM')) {
        return notAuthorized(
          'anonymous',
          'execute-api:Invoke',
          arn,
          decision === 'Deny',
          `The resource policy does not allow ${arn}`,
        );
      }
      resourceAllows = decision === 'Allow';
    }
    if (type === 'NONE') return undefined;
    if (type === 'COGNITO_USER_POOLS' || type === 'JWT')
      return this.jwt.authorize(r, stage, method);
    if (type === 'CUSTOM') return this.authorizers.authorize(r, stage, method, resourceAllows);
    return this.authorizers.unsupported(method);
  }
}

import { evaluatePolicies, methodArn, type PolicyDecision } from '@portico/iam';
import type { EdgeRequest } from '../pipeline/edge-request';
import { DEFAULT_GATEWAY_RESPONSES, GatewayError } from '../responses/gateway-error';
import type { CompiledStage } from '../stages/compiled-stage';

/** The ARN API Gateway authorizes a request against: `…:{apiId}/{stage}/{METHOD}/{path}`. */
export function requestArn(r: EdgeRequest, stage: CompiledStage, region: string): string {
  return methodArn({
    region,
    accountId: r.accountId,
    apiId: stage.apiId,
    stage: stage.stageName,
    method: r.httpMethod,
    path: r.path,
  });
}

/** A WebSocket route's ARN, `…:{apiId}/{stage}/{routeKey}`, as `$connect` is authorized on. */
export function routeArn(
  r: EdgeRequest,
  stage: CompiledStage,
  region: string,
  routeKey: string,
): string {
  return `arn:aws:execute-api:${region}:${r.accountId}:${stage.apiId}/${stage.stageName}/${routeKey}`;
}

/**
 * What the stage's resource policy says of this request from `principalArn` (an IAM caller) or
 * from an anonymous one; undefined when the API has no resource policy.
 */
export function resourcePolicyDecision(
  r: EdgeRequest,
  stage: CompiledStage,
  arn: string,
  principalArn?: string,
): PolicyDecision | undefined {
  if (!stage.resourcePolicy) return undefined;
  return evaluatePolicies([stage.resourcePolicy], {
    action: 'execute-api:Invoke',
    resource: arn,
    principal: principalArn,
    context: {
      'aws:SourceIp': r.sourceIp,
      'aws:PrincipalArn': principalArn,
      'aws:PrincipalAccount': principalArn ? r.accountId : undefined,
    },
  });
}

/** API Gateway's 403 for a policy that does not allow: `{"Message": "User: … is not authorized …"}`. */
export function notAuthorized(
  who: string,
  action: string,
  arn: string,
  explicitDeny: boolean,
  logMessage: string,
): GatewayError {
  const denied = new GatewayError(
    'ACCESS_DENIED',
    DEFAULT_GATEWAY_RESPONSES.ACCESS_DENIED.statusCode,
    `User: ${who} is not authorized to perform: ${action} on resource: ${arn}${explicitDeny ? ' with an explicit deny' : ''}`,
    logMessage,
  );
  denied.messageKey = 'Message';
  return denied;
}

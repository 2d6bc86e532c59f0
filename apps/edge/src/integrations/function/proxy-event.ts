import type { InvocationRequest } from '../integration.types';
import { iamIdentity, lastValues, spelledAsSent } from '../mapping/template-context';
import { formatRequestTime } from '../mapping/request-time';
import { mediaTypeOf } from '../mapping/template-selection';

/** The Lambda proxy integration event, REST API payload format 1.0. */
export interface ProxyEventV1 {
  resource: string;
  path: string;
  httpMethod: string;
  headers: Record<string, string> | null;
  multiValueHeaders: Record<string, string[]> | null;
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
  pathParameters: Record<string, string> | null;
  stageVariables: Record<string, string> | null;
  requestContext: ProxyRequestContextV1;
  body: string | null;
  isBase64Encoded: boolean;
}

export interface ProxyRequestContextV1 {
  resourceId: string;
  resourcePath: string;
  httpMethod: string;
  extendedRequestId: string;
  requestTime: string;
  path: string;
  accountId: string;
  protocol: string;
  stage: string;
  domainPrefix: string;
  requestTimeEpoch: number;
  requestId: string;
  identity: ProxyIdentityV1;
  domainName: string;
  deploymentId: string;
  apiId: string;
}

export interface ProxyIdentityV1 {
  cognitoIdentityPoolId: null;
  accountId: string | null;
  cognitoIdentityId: null;
  caller: string | null;
  sourceIp: string;
  principalOrgId: null;
  accessKey: string | null;
  cognitoAuthenticationType: null;
  cognitoAuthenticationProvider: null;
  userArn: string | null;
  userAgent: string | null;
  user: string | null;
  apiKey: string | null;
  apiKeyId: string | null;
}

/**
 * Builds the event a Lambda function receives from a REST API proxy integration. AWS gives
 * `null`, not `{}`, for absent query strings, path parameters, stage variables and headers,
 * the single-value maps hold the last value of a repeated name, and header names are spelled
 * as the client sent them. The identity's apiKey and apiKeyId are set on methods that require a
 * key, null elsewhere.
 */
export function buildProxyEvent(
  req: InvocationRequest,
  body: Buffer | undefined,
  accountId = req.accountId,
): ProxyEventV1 {
  const binary = isBinaryMediaType(req.headers['content-type']?.at(-1), req.binaryMediaTypes);
  const hasBody = body !== undefined && body.length > 0;
  const multiValueHeaders = spelledAsSent(req.headers, req.rawHeaders);
  return {
    resource: req.resourcePath,
    path: req.path,
    httpMethod: req.httpMethod,
    headers: nullIfEmpty(lastValues(multiValueHeaders)),
    multiValueHeaders: nullIfEmpty(multiValueHeaders),
    queryStringParameters: nullIfEmpty(lastValues(req.query)),
    multiValueQueryStringParameters: nullIfEmpty(req.query),
    pathParameters: nullIfEmpty(req.pathParameters),
    stageVariables: nullIfEmpty(req.stageVariables),
    requestContext: {
      resourceId: req.resourceId,
      resourcePath: req.resourcePath,
      httpMethod: req.httpMethod,
      extendedRequestId: req.extendedRequestId ?? req.requestId,
      requestTime: formatRequestTime(req.requestTimeEpoch),
      path: req.fullPath,
      accountId: req.accountId || accountId,
      protocol: req.protocol,
      stage: req.stage,
      domainPrefix: req.domainPrefix,
      requestTimeEpoch: req.requestTimeEpoch,
      requestId: req.requestId,
      identity: {
        cognitoIdentityPoolId: null,
        cognitoIdentityId: null,
        sourceIp: req.sourceIp,
        principalOrgId: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userAgent: req.userAgent ?? null,
        ...iamIdentity(req, accountId),
        apiKey: req.apiKey?.value ?? null,
        apiKeyId: req.apiKey?.id ?? null,
      },
      domainName: req.domainName,
      deploymentId: req.deploymentId ?? '',
      apiId: req.apiId,
      // AWS: the authorizer's principalId and context, flattened, on methods with an authorizer.
      ...(req.authorizer
        ? {
            authorizer: {
              principalId: req.authorizer.principalId,
              ...req.authorizer.context,
              // A JWT or Cognito authorizer's claims, as API Gateway gives a Cognito authorizer's.
              ...(req.authorizer.claims ? { claims: req.authorizer.claims } : {}),
            },
          }
        : {}),
    },
    body: hasBody ? body.toString(binary ? 'base64' : 'utf8') : null,
    isBase64Encoded: hasBody && binary,
  };
}

function nullIfEmpty<T extends object>(value: T): T | null {
  for (const _key in value) return value;
  return null;
}

/**
 * True when the request's media type is listed in the API's binaryMediaTypes, where entries
 * may use wildcards (`image/*`, `*\/*`). AWS stores `/` as `~1` in some exports; both forms match.
 */
export function isBinaryMediaType(
  contentType: string | undefined,
  binaryMediaTypes: string[],
): boolean {
  if (binaryMediaTypes.length === 0) return false;
  if (contentType === undefined)
    return binaryMediaTypes.some((entry) => entry.replace('~1', '/') === '*/*');
  const [type, subtype] = mediaTypeOf(contentType).split('/');
  for (const entry of binaryMediaTypes) {
    const [wantType, wantSubtype] = mediaTypeOf(entry.replace('~1', '/')).split('/');
    if ((wantType === '*' || wantType === type) && (wantSubtype === '*' || wantSubtype === subtype))
      return true;
  }
  return false;
}

import { functionNameFromUri } from '../util/function-name';

/** A Lambda ("function") authorizer, as `x-amazon-apigateway-authorizer` declares it. */
export interface FunctionAuthorizer {
  /** The security scheme's name, which methods name in `security`. */
  name: string;
  type: 'TOKEN' | 'REQUEST';
  /** The function the function runner serves under this name. */
  functionName: string;
  /**
   * Where the identity comes from: `method.request.header.X`, `method.request.querystring.X`,
   * `stageVariables.X` or `context.X`. TOKEN: exactly one header.
   */
  identitySource: string[];
  /** TOKEN only: a regular expression the token must match, else 401 without a call. */
  identityValidationExpression?: string;
  /** How long a result is cached, by identity (0 = not at all). */
  resultTtlSeconds: number;
}

export const DEFAULT_AUTHORIZER_TTL_SECONDS = 300;
export const MAX_AUTHORIZER_TTL_SECONDS = 3600;
const SOURCE =
  /^(method\.request\.(header|querystring)\.[^.\s]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$/;

/**
 * The function authorizer a security scheme declares, or a string saying why it cannot be one
 * (import refuses it). `scheme` is the OpenAPI security scheme object; a TOKEN authorizer reads
 * the header the scheme names unless `identitySource` says otherwise.
 */
export function readFunctionAuthorizer(
  name: string,
  scheme: Record<string, unknown>,
): FunctionAuthorizer | string {
  const ext = scheme['x-amazon-apigateway-authorizer'] as Record<string, unknown> | undefined;
  if (!ext || typeof ext !== 'object') return 'no x-amazon-apigateway-authorizer';
  const type = String(ext.type ?? '').toUpperCase();
  if (type !== 'TOKEN' && type !== 'REQUEST')
    return `type ${String(ext.type)} is not a function authorizer`;
  const uri = typeof ext.authorizerUri === 'string' ? ext.authorizerUri : '';
  const functionName = functionNameFromUri(uri);
  if (!functionName || functionName.includes('${')) {
    return `authorizerUri ${JSON.stringify(ext.authorizerUri)} names no function (a Lambda invocation URI or ARN)`;
  }
  const declared = typeof ext.identitySource === 'string' ? ext.identitySource : undefined;
  const header =
    typeof scheme.name === 'string' && scheme.in === 'header' ? scheme.name : 'Authorization';
  const identitySource = (declared ?? (type === 'TOKEN' ? `method.request.header.${header}` : ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = identitySource.find((s) => !SOURCE.test(s));
  if (bad)
    return `identitySource ${JSON.stringify(bad)} is not a header, query string, stage variable or context value`;
  if (
    type === 'TOKEN' &&
    (identitySource.length !== 1 || !identitySource[0]!.startsWith('method.request.header.'))
  ) {
    return 'a TOKEN authorizer takes its token from exactly one header';
  }
  const ttl = ext.authorizerResultTtlInSeconds ?? DEFAULT_AUTHORIZER_TTL_SECONDS;
  if (
    typeof ttl !== 'number' ||
    !Number.isInteger(ttl) ||
    ttl < 0 ||
    ttl > MAX_AUTHORIZER_TTL_SECONDS
  ) {
    return `authorizerResultTtlInSeconds must be an integer from 0 to ${MAX_AUTHORIZER_TTL_SECONDS}`;
  }
  // Cached results are found by the identity: without one, the first caller's would serve all.
  if (type === 'REQUEST' && identitySource.length === 0 && ttl !== 0) {
    return 'identitySource is required when results are cached (authorizerResultTtlInSeconds > 0)';
  }
  const expression = ext.identityValidationExpression;
  if (expression !== undefined) {
    if (typeof expression !== 'string' || type !== 'TOKEN') {
      return 'identityValidationExpression is a string, for TOKEN authorizers';
    }
    try {
      new RegExp(expression);
    } catch {
      return `identityValidationExpression ${JSON.stringify(expression)} is not a regular expression`;
    }
  }
  return {
    name,
    type,
    functionName,
    identitySource,
    ...(typeof expression === 'string' ? { identityValidationExpression: expression } : {}),
    resultTtlSeconds: ttl,
  };
}

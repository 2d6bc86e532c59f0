import type { InvocationRequest } from '../integration.types';
import { formatRequestTime } from './request-time';
import type { TemplateInput, TemplateVariables } from './vtl';

/**
 * `$context` for mapping templates and `context.x` in parameter mappings, as AWS names the fields.
 * `accountId` stands in when the request carries none.
 */
export function buildTemplateContext(
  req: InvocationRequest,
  accountId = req.accountId,
): Record<string, unknown> {
  return {
    accountId: req.accountId || accountId,
    apiId: req.apiId,
    deploymentId: req.deploymentId ?? '',
    domainName: req.domainName,
    domainPrefix: req.domainPrefix,
    extendedRequestId: req.extendedRequestId ?? req.requestId,
    httpMethod: req.httpMethod,
    identity: {
      sourceIp: req.sourceIp,
      userAgent: req.userAgent ?? '',
      apiKey: req.apiKey?.value ?? '',
      apiKeyId: req.apiKey?.id ?? '',
      // Mapping templates see '' where the proxy event has null.
      ...Object.fromEntries(
        Object.entries(iamIdentity(req, accountId)).map(([name, value]) => [name, value ?? '']),
      ),
    },
    path: req.fullPath,
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
    protocol: req.protocol,
    requestId: req.requestId,
    requestTime: formatRequestTime(req.requestTimeEpoch),
    requestTimeEpoch: req.requestTimeEpoch,
    resourceId: req.resourceId,
    resourcePath: req.resourcePath,
    stage: req.stage,
  };
}

/**
 * `$context` as an object, or a function that builds it: called only where something reads it
 * (a `context.x` mapping, a template that is not static), since building it formats the request
 * time and most requests never look.
 */
export type ContextSource = Record<string, unknown> | (() => Record<string, unknown>);

export function resolveContext(source: ContextSource): Record<string, unknown> {
  return typeof source === 'function' ? source() : source;
}

/**
 * `buildTemplateContext` on first call, the same object after: for paths that may not need
 * `$context` at all (static templates, mappings that never read `context.`).
 */
export function lazyTemplateContext(
  req: InvocationRequest,
  accountId = req.accountId,
): () => Record<string, unknown> {
  let context: Record<string, unknown> | undefined;
  return () => (context ??= buildTemplateContext(req, accountId));
}

/** The last value of every multi-valued entry, as AWS's single-value views show them. */
export function lastValues(values: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, list] of Object.entries(values)) {
    const last = list[list.length - 1];
    if (last !== undefined) out[name] = last;
  }
  return out;
}

/** `$input` data; header names as the client spelled them, as `$input.params().header` shows them on AWS. */
export function buildTemplateInput(req: InvocationRequest, body: string): TemplateInput {
  return {
    body,
    path: req.pathParameters,
    querystring: lastValues(req.query),
    header: lastValues(spelledAsSent(req.headers, req.rawHeaders)),
  };
}

/** The headers under the names as the client spelled them (`Content-Type`), when known. */
export function spelledAsSent(
  headers: Record<string, string[]>,
  rawHeaders: readonly string[] | undefined,
): Record<string, string[]> {
  if (!rawHeaders || rawHeaders.length === 0) return headers;
  const spelling = new Map<string, string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (!spelling.has(lower)) spelling.set(lower, name);
  }
  const out: Record<string, string[]> = {};
  for (const name in headers) out[spelling.get(name) ?? name] = headers[name] as string[];
  return out;
}

export function buildTemplateVariables(
  req: InvocationRequest,
  body: string,
  context: Record<string, unknown> = buildTemplateContext(req),
): TemplateVariables {
  return { context, stageVariables: req.stageVariables, input: buildTemplateInput(req, body) };
}

/**
 * The signer of an AWS_IAM request, as API Gateway gives it: its account, access key and user
 * ARN (`caller` and `user` name the IAM user, for want of IAM's user ids); nulls otherwise.
 */
export function iamIdentity(
  req: Pick<InvocationRequest, 'iamPrincipal' | 'accountId'>,
  accountId: string,
): Record<'accountId' | 'accessKey' | 'userArn' | 'caller' | 'user', string | null> {
  const principal = req.iamPrincipal;
  if (!principal)
    return { accountId: null, accessKey: null, userArn: null, caller: null, user: null };
  const user = principal.userArn.slice(principal.userArn.lastIndexOf('/') + 1);
  return {
    accountId: req.accountId || accountId,
    accessKey: principal.accessKeyId,
    userArn: principal.userArn,
    caller: user,
    user,
  };
}

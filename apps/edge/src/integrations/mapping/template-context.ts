import type { InvocationRequest } from '../integration.types';
import { formatRequestTime } from './request-time';
import type { TemplateInput, TemplateVariables } from './vtl';

/** `$context` for mapping templates and `context.x` in parameter mappings, as AWS names the fields. */
export function buildTemplateContext(req: InvocationRequest): Record<string, unknown> {
  return {
    accountId: req.accountId,
    apiId: req.apiId,
    domainName: req.domainName,
    domainPrefix: req.domainPrefix,
    extendedRequestId: req.extendedRequestId ?? req.requestId,
    httpMethod: req.httpMethod,
    identity: {
      sourceIp: req.sourceIp,
      userAgent: req.userAgent ?? '',
      accountId: '',
      apiKey: '',
      apiKeyId: '',
      caller: '',
      user: '',
      userArn: '',
    },
    path: req.fullPath,
    protocol: req.protocol,
    requestId: req.requestId,
    requestTime: formatRequestTime(req.requestTimeEpoch),
    requestTimeEpoch: req.requestTimeEpoch,
    resourceId: req.resourceId,
    resourcePath: req.resourcePath,
    stage: req.stage,
  };
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

export function buildTemplateInput(req: InvocationRequest, body: string): TemplateInput {
  return {
    body,
    path: req.pathParameters,
    querystring: lastValues(req.query),
    header: lastValues(req.headers),
  };
}

export function buildTemplateVariables(
  req: InvocationRequest,
  body: string,
  context: Record<string, unknown> = buildTemplateContext(req),
): TemplateVariables {
  return { context, stageVariables: req.stageVariables, input: buildTemplateInput(req, body) };
}

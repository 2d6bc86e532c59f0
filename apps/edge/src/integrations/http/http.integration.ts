import type { Integration } from '@portico/definitions';
import type { InvocationRequest, InvocationResponse } from '../integration.types';
import { applyIntegrationResponse, renderOrFail } from '../mapping/integration-response';
import { mappingsNeedRequestBody, mapRequestParameters } from '../mapping/parameter-mapping';
import { buildTemplateInput, lazyTemplateContext } from '../mapping/template-context';
import { selectRequestTemplate } from '../mapping/template-selection';
import {
  backendMethod,
  forwardedBody,
  forwardedPathValues,
  upstreamHeaders,
} from './http-proxy.integration';
import { buildIntegrationUrl, mergeQuery } from './integration-uri';
import { readLimited } from './read-body';
import { upstreamFailure, type UpstreamClient, type UpstreamRequest } from './upstream-client';

const NO_HEADERS: Record<string, string[]> = Object.freeze({});

/**
 * HTTP (non-proxy): only mapped parameters reach the backend; the body goes through a request
 * template (or passes through per passthroughBehavior); the backend's answer is mapped by the
 * integration response its status code selects.
 */
export class HttpIntegration {
  constructor(
    private readonly client: UpstreamClient,
    private readonly maxResponseBytes: number,
    private readonly defaultAccountId: string,
  ) {}

  async invoke(integration: Integration, req: InvocationRequest): Promise<InvocationResponse> {
    const context = lazyTemplateContext(req, req.accountId || this.defaultAccountId);
    const requestContentType = req.headers['content-type']?.at(-1);
    const choice = selectRequestTemplate(integration, requestContentType);
    const needsBody =
      choice.kind === 'template' || mappingsNeedRequestBody(integration.requestParameters);
    const buffered = needsBody ? await req.body.readAll() : undefined;
    const bodyText = buffered?.toString('utf8');
    const mapped = mapRequestParameters(integration.requestParameters, {
      req,
      context,
      body: bodyText,
    });

    const target = buildIntegrationUrl({
      uri: integration.uri ?? '',
      stageVariables: req.stageVariables,
      pathValues: { ...req.pathParameters, ...mapped.path },
      rawPathValues: forwardedPathValues(req, mapped),
      resourcePath: req.resourcePath,
    });
    target.path = mergeQuery(target.path, '', mapped.querystring);

    const headers = upstreamHeaders(NO_HEADERS, mapped.header);
    let body: UpstreamRequest['body'];
    if (choice.kind === 'template' && choice.template.trim() !== '') {
      body = renderOrFail(choice.template, () => ({
        context: context(),
        stageVariables: req.stageVariables,
        input: buildTemplateInput(req, bodyText ?? ''),
      }));
      headers['content-type'] ??= choice.contentType;
    } else {
      body = forwardedBody(req, buffered, headers);
      if (requestContentType) headers['content-type'] ??= requestContentType;
    }

    const res = await this.client.request({
      target,
      method: backendMethod(integration, req),
      headers,
      body,
      timeoutMs: integration.timeoutInMillis,
      signal: req.signal,
    });
    let responseBody: Buffer;
    try {
      responseBody = await readLimited(res.body, this.maxResponseBytes);
    } catch (err) {
      throw upstreamFailure(err, { timedOut: false, clientAborted: req.signal.aborted, target });
    }
    const backendHeaders: Record<string, string[]> = {};
    for (const name in res.headers) {
      const value = res.headers[name] as string | string[];
      backendHeaders[name] = Array.isArray(value) ? value : [value];
    }
    const contentType = res.headers['content-type'];
    const mappedResponse = applyIntegrationResponse(
      integration.responses,
      {
        selector: String(res.statusCode),
        headers: backendHeaders,
        body: responseBody,
        templateBody: responseBody.toString('utf8'),
        contentType: Array.isArray(contentType) ? contentType[0] : contentType,
      },
      req,
      context,
    );
    return { ...mappedResponse, integrationLatencyMs: res.latencyMs };
  }
}

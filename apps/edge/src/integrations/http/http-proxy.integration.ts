import type { Integration } from '@portico/definitions';
import type { InvocationRequest, InvocationResponse } from '../integration.types';
import { IntegrationFailure } from '../integration.types';
import {
  mappingsNeedRequestBody,
  mapRequestParameters,
  type MappedRequestParameters,
} from '../mapping/parameter-mapping';
import { buildTemplateContext } from '../mapping/template-context';
import { buildIntegrationUrl, mergeQuery } from './integration-uri';
import type { UpstreamClient, UpstreamRequest } from './upstream-client';

/**
 * HTTP_PROXY: the request goes to the backend as the client sent it (method, query, headers,
 * body streamed), with requestParameters layered on top; the response streams back unchanged.
 */
export class HttpProxyIntegration {
  constructor(
    private readonly client: UpstreamClient,
    private readonly maxResponseBytes: number,
  ) {}

  async invoke(integration: Integration, req: InvocationRequest): Promise<InvocationResponse> {
    const hasMappings = Object.keys(integration.requestParameters).length > 0;
    // Only a mapping that reads the body forces it into memory; otherwise it streams.
    const buffered =
      hasMappings && mappingsNeedRequestBody(integration.requestParameters)
        ? await req.body.readAll()
        : undefined;
    const mapped: MappedRequestParameters = hasMappings
      ? mapRequestParameters(integration.requestParameters, {
          req,
          context: buildTemplateContext(req),
          body: buffered?.toString('utf8'),
        })
      : { path: {}, querystring: {}, header: {} };

    const url = buildIntegrationUrl({
      uri: integration.uri ?? '',
      stageVariables: req.stageVariables,
      pathValues: { ...req.pathParameters, ...mapped.path },
      resourcePath: req.resourcePath,
    });
    mergeQuery(url, req.rawQuery, mapped.querystring);

    const headers: UpstreamRequest['headers'] = {};
    for (const [name, values] of Object.entries({ ...req.headers, ...mapped.header })) {
      headers[name] = values.length === 1 ? (values[0] as string) : values;
    }
    let body: UpstreamRequest['body'];
    if (buffered) {
      body = buffered.length > 0 ? buffered : undefined;
      delete headers['content-length'];
    } else if (!req.body.empty) {
      body = req.body.stream();
      // A chunked request stays chunked; a declared length is forwarded and checked by undici.
      if (req.body.length === undefined) delete headers['content-length'];
      else headers['content-length'] = String(req.body.length);
    } else {
      delete headers['content-length'];
    }

    const res = await this.client.request({
      url,
      method: backendMethod(integration, req),
      headers,
      body,
      timeoutMs: integration.timeoutInMillis,
      signal: req.signal,
    });
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxResponseBytes) {
      res.body.destroy();
      throw new IntegrationFailure(
        'INTEGRATION_FAILURE',
        502,
        `Backend response of ${declared} bytes exceeds ${this.maxResponseBytes}`,
        'Internal server error',
      );
    }
    return {
      statusCode: res.statusCode,
      headers: res.headers,
      body: res.body,
      integrationLatencyMs: res.latencyMs,
    };
  }
}

/** `ANY` (or no method) on the integration means "the client's method". */
export function backendMethod(integration: Integration, req: InvocationRequest): string {
  const method = integration.httpMethod?.toUpperCase();
  return method && method !== 'ANY' ? method : req.httpMethod;
}

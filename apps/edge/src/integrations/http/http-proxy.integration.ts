import type { Integration } from '@portico/definitions';
import { integrationError } from '../integration-errors';
import type { InvocationRequest, InvocationResponse } from '../integration.types';
import {
  mappingsNeedRequestBody,
  mapRequestParameters,
  type MappedRequestParameters,
} from '../mapping/parameter-mapping';
import { buildTemplateContext } from '../mapping/template-context';
import { buildIntegrationUrl, mergeQuery } from './integration-uri';
import type { UpstreamClient, UpstreamRequest } from './upstream-client';

const NO_MAPPINGS: MappedRequestParameters = Object.freeze({
  path: {},
  querystring: {},
  header: {},
});

/**
 * HTTP_PROXY: the request goes to the backend as the client sent it (method, query, headers,
 * body streamed), with requestParameters layered on top; the response streams back unchanged.
 */
export class HttpProxyIntegration {
  constructor(
    private readonly client: UpstreamClient,
    private readonly maxResponseBytes: number,
    private readonly defaultAccountId: string,
  ) {}

  async invoke(integration: Integration, req: InvocationRequest): Promise<InvocationResponse> {
    let hasMappings = false;
    for (const _target in integration.requestParameters) {
      hasMappings = true;
      break;
    }
    // Only a mapping that reads the body forces it into memory; otherwise it streams.
    const buffered =
      hasMappings && mappingsNeedRequestBody(integration.requestParameters)
        ? await req.body.readAll()
        : undefined;
    const mapped = hasMappings
      ? mapRequestParameters(integration.requestParameters, {
          req,
          context: buildTemplateContext(req, req.accountId || this.defaultAccountId),
          body: buffered?.toString('utf8'),
        })
      : NO_MAPPINGS;

    const target = buildIntegrationUrl({
      uri: integration.uri ?? '',
      stageVariables: req.stageVariables,
      pathValues: hasMappings ? { ...req.pathParameters, ...mapped.path } : req.pathParameters,
      resourcePath: req.resourcePath,
    });
    target.path = mergeQuery(target.path, req.rawQuery, mapped.querystring);

    const headers = upstreamHeaders(req.headers, mapped.header);
    const body = forwardedBody(req, buffered, headers);
    const res = await this.client.request({
      target,
      method: backendMethod(integration, req),
      headers,
      body,
      timeoutMs: integration.timeoutInMillis,
      signal: req.signal,
    });
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxResponseBytes) {
      res.body.destroy();
      throw integrationError(
        `Backend response of ${declared} bytes exceeds ${this.maxResponseBytes}`,
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

/**
 * The headers for the backend in one pass: `base` (the client's, for HTTP_PROXY) with mapped
 * headers replacing names they share; single values as strings, as undici takes them.
 */
export function upstreamHeaders(
  base: Record<string, string[]>,
  mapped: Record<string, string[]>,
): UpstreamRequest['headers'] {
  const out: UpstreamRequest['headers'] = {};
  for (const name in base) {
    if (Object.hasOwn(mapped, name)) continue;
    const values = base[name] as string[];
    out[name] = values.length === 1 ? (values[0] as string) : values;
  }
  for (const name in mapped) {
    const values = mapped[name] as string[];
    out[name] = values.length === 1 ? (values[0] as string) : values;
  }
  return out;
}

/**
 * The client's body for the backend: the buffered copy when a mapping had to read it, else the
 * stream, with the length the client declared (a chunked request stays chunked; undici checks
 * a declared length). Whatever Content-Length came in is replaced.
 */
export function forwardedBody(
  req: InvocationRequest,
  buffered: Buffer | undefined,
  headers: UpstreamRequest['headers'],
): UpstreamRequest['body'] {
  delete headers['content-length'];
  if (buffered) return buffered.length > 0 ? buffered : undefined;
  if (req.body.empty) return undefined;
  if (req.body.length !== undefined) headers['content-length'] = String(req.body.length);
  return req.body.stream();
}

/** `ANY` (or no method) on the integration means "the client's method". */
export function backendMethod(integration: Integration, req: InvocationRequest): string {
  const method = integration.httpMethod?.toUpperCase();
  return method && method !== 'ANY' ? method : req.httpMethod;
}

import { Readable } from 'node:stream';
import type { Integration } from '@portico/definitions';
import { integrationError } from '../integration-errors';
import type { InvocationRequest, InvocationResponse } from '../integration.types';
import {
  mappingsNeedRequestBody,
  mapRequestParameters,
  type MappedRequestParameters,
} from '../mapping/parameter-mapping';
import { lazyTemplateContext } from '../mapping/template-context';
import { buildIntegrationUrl, mergeQuery } from './integration-uri';
import { isForwardable, type UpstreamClient, type UpstreamRequest } from './upstream-client';

const NO_MAPPINGS: MappedRequestParameters = Object.freeze({
  path: {},
  rawPath: {},
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
          context: lazyTemplateContext(req, req.accountId || this.defaultAccountId),
          body: buffered?.toString('utf8'),
        })
      : NO_MAPPINGS;

    const target = buildIntegrationUrl({
      uri: integration.uri ?? '',
      stageVariables: req.stageVariables,
      pathValues: hasMappings ? { ...req.pathParameters, ...mapped.path } : req.pathParameters,
      rawPathValues: hasMappings ? forwardedPathValues(req, mapped) : req.rawPathParameters,
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
      if (res.body instanceof Readable) res.body.destroy();
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
 * Placeholder values as they stand in the forwarded path: the request's own, except names a
 * mapping sets. One mapped straight from a method path parameter keeps that parameter's encoded
 * form; any other (a literal, a header, a stage variable) is left out, to be encoded from its
 * decoded value as before.
 */
export function forwardedPathValues(
  req: InvocationRequest,
  mapped: MappedRequestParameters,
): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const name in mapped.path) {
    out ??= { ...(req.rawPathParameters ?? {}) };
    const raw = mapped.rawPath[name];
    if (raw !== undefined) out[name] = raw;
    else delete out[name];
  }
  return out ?? req.rawPathParameters;
}

/**
 * The headers for the backend in one pass: `base` (the client's, for HTTP_PROXY) with mapped
 * headers replacing names they share; single values as strings, as undici takes them. The
 * client's `host` and the like are left out here, so the upstream client need not copy again.
 */
export function upstreamHeaders(
  base: Record<string, string[]>,
  mapped: Record<string, string[]>,
): UpstreamRequest['headers'] {
  const out: UpstreamRequest['headers'] = {};
  for (const name in base) {
    if (Object.hasOwn(mapped, name) || !isForwardable(name)) continue;
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

import { Readable } from 'node:stream';
import type { Integration, IntegrationResponse } from '@portico/definitions';
import {
  type InvocationBody,
  type InvocationRequest,
  PayloadTooLargeError,
} from '../integration.types';

export interface TestBodyOptions {
  /** Send without a length (as a chunked request would arrive). */
  chunked?: boolean;
  /** Mimic the pipeline's body limit: the stream fails with PayloadTooLargeError past it. */
  limit?: number;
  /** Split the content into chunks of this size, so streaming is observable. */
  chunkSize?: number;
}

/** An InvocationBody over fixed content, behaving like the pipeline's (limit, single buffering). */
export function testBody(
  content: Buffer | string = '',
  options: TestBodyOptions = {},
): InvocationBody {
  const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const chunkSize = options.chunkSize ?? 16 * 1024;
  let buffered: Promise<Buffer> | undefined;
  const stream = (): Readable => {
    let offset = 0;
    return new Readable({
      read() {
        if (offset >= data.length) return this.push(null);
        const next = offset + chunkSize;
        if (options.limit !== undefined && next > options.limit) {
          this.destroy(new PayloadTooLargeError(options.limit));
          return;
        }
        this.push(data.subarray(offset, next));
        offset = next;
      },
    });
  };
  return {
    length: options.chunked ? undefined : data.length,
    empty: data.length === 0,
    stream,
    readAll() {
      buffered ??=
        options.limit !== undefined && data.length > options.limit
          ? Promise.reject(new PayloadTooLargeError(options.limit))
          : Promise.resolve(data);
      return buffered;
    },
  };
}

export interface TestRequestOverrides extends Partial<Omit<InvocationRequest, 'body'>> {
  body?: InvocationBody | Buffer | string;
}

/** A complete InvocationRequest for `GET /prod/pets/1` unless overridden. */
export function testInvocationRequest(overrides: TestRequestOverrides = {}): InvocationRequest {
  const { body, ...rest } = overrides;
  const invocationBody =
    body === undefined
      ? testBody()
      : typeof body === 'string' || Buffer.isBuffer(body)
        ? testBody(body)
        : body;
  return {
    requestId: 'c0ffee00-0000-4000-8000-000000000001',
    requestTimeEpoch: Date.UTC(2026, 10, 22, 8, 0, 0),
    httpMethod: 'GET',
    path: '/pets/1',
    fullPath: '/prod/pets/1',
    resourcePath: '/pets/{id}',
    resourceId: 'abc123',
    pathParameters: { id: '1' },
    query: {},
    rawQuery: '',
    headers: { host: ['api.example.com'], 'user-agent': ['test-agent/1.0'] },
    sourceIp: '192.0.2.10',
    userAgent: 'test-agent/1.0',
    protocol: 'HTTP/1.1',
    domainName: 'api.example.com',
    domainPrefix: 'api',
    apiId: 'a1b2c3d4e5',
    accountId: '123456789012',
    stage: 'prod',
    stageVariables: {},
    binaryMediaTypes: [],
    signal: new AbortController().signal,
    ...rest,
    body: invocationBody,
  };
}

export function testIntegration(overrides: Partial<Integration> = {}): Integration {
  return {
    type: 'HTTP_PROXY',
    httpMethod: 'ANY',
    timeoutInMillis: 29_000,
    requestParameters: {},
    requestTemplates: {},
    passthroughBehavior: 'WHEN_NO_MATCH',
    cacheKeyParameters: [],
    responses: [],
    ...overrides,
  };
}

/** An integration response (`x-amazon-apigateway-integration.responses` entry). */
export function testIntegrationResponse(
  selectionPattern: string,
  statusCode: string,
  extra: Partial<IntegrationResponse> = {},
): IntegrationResponse {
  return { selectionPattern, statusCode, responseParameters: {}, responseTemplates: {}, ...extra };
}

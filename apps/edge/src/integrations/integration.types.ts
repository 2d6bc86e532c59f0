import type { Readable } from 'node:stream';
import type { Integration, GatewayResponseType } from '@portico/definitions';

/**
 * The seam between the request pipeline (host/stage resolution, routing, limits, gateway
 * responses, access log) and the integrations (HTTP, function, mock). The pipeline builds an
 * InvocationRequest for the matched method; an integration answers with an InvocationResponse
 * or throws an IntegrationFailure that the pipeline renders as a gateway response.
 */
export interface InvocationRequest {
  requestId: string;
  /** AWS's second request id (`x-amz-apigw-id`); the request id stands in when absent. */
  extendedRequestId?: string;
  /** Epoch milliseconds when the edge received the request. */
  requestTimeEpoch: number;
  /** The request's method (never ANY). */
  httpMethod: string;
  /** The normalised path below the stage (or base path), e.g. `/pets/1`; this is what is forwarded. */
  path: string;
  /** The path as the client saw it including the stage, e.g. `/prod/pets/1` (requestContext.path). */
  fullPath: string;
  /** The matched resource path template, e.g. `/pets/{id}`. */
  resourcePath: string;
  resourceId: string;
  /** Decoded path parameters; `{proxy+}` yields `proxy` with the rest of the path (no leading slash). */
  pathParameters: Record<string, string>;
  /**
   * The same parameters as they stand in the forwarded `path`: every segment canonically
   * percent-encoded, `/` only between the segments of a greedy value (a `%2F` inside a segment
   * stays `%2F`). What goes into an upstream URI, so the path matched is the path forwarded.
   * Set by the request pipeline; absent on requests built elsewhere (tests, WebSocket routes).
   */
  rawPathParameters?: Record<string, string>;
  /** Decoded query parameters, every value in order. */
  query: Record<string, string[]>;
  /** The raw query string without `?` (still encoded), for proxying unchanged. */
  rawQuery: string;
  /** Lower-cased header names, every value in order; hop-by-hop headers already removed. */
  headers: Record<string, string[]>;
  /**
   * Node's `rawHeaders` (`[name, value, …]` as the client sent them). Only the spelling of names is
   * taken from it, so the Lambda proxy event can show `Content-Type` rather than `content-type`,
   * as API Gateway does; without it the event shows the lower-cased names.
   */
  rawHeaders?: readonly string[];
  body: InvocationBody;
  sourceIp: string;
  userAgent?: string;
  protocol: string;
  domainName: string;
  domainPrefix: string;
  apiId: string;
  accountId: string;
  stage: string;
  /** The deployment the stage serves (`requestContext.deploymentId`, `$context.deploymentId`). */
  deploymentId?: string;
  stageVariables: Record<string, string>;
  binaryMediaTypes: string[];
  /** Aborted when the client goes away; integrations stop work they started. */
  signal: AbortSignal;
  /** Set for WebSocket routes: functions get the WebSocket event, not the REST proxy event. */
  webSocket?: WebSocketEventContext;
  /** The API key the request was admitted with, on methods that require one. */
  apiKey?: { id: string; value: string };
  /** The credential that signed the request, on AWS_IAM methods. */
  iamPrincipal?: { accessKeyId: string; userArn: string };
  /** What a function authorizer said of the caller, on methods that have one. */
  authorizer?: {
    principalId: string;
    context: Record<string, string | number | boolean>;
    /** A JWT or Cognito authorizer's verified claims, as strings. */
    claims?: Record<string, string>;
    /** A Lambda authorizer's `usageIdentifierKey`: the API key, with key source AUTHORIZER. */
    usageIdentifierKey?: string;
  };
}

/** What a WebSocket route's event carries beyond an HTTP request's fields. */
export interface WebSocketEventContext {
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  routeKey: string;
  connectionId: string;
  /** Epoch milliseconds. */
  connectedAt: number;
  /** MESSAGE only. */
  messageId?: string;
  /** MESSAGE only: a binary frame (its body goes base64). */
  isBinary?: boolean;
  /** DISCONNECT only. */
  disconnectStatusCode?: number;
  disconnectReason?: string;
}

/**
 * The request body. `stream` is limited to the body size limit already: reading past it fails
 * with PayloadTooLargeError. `readAll()` buffers it (once; later calls return the same buffer).
 */
export interface InvocationBody {
  /** Content-Length when the client sent one. */
  length?: number;
  /** True when the request has no body at all (no Content-Length > 0 and not chunked). */
  empty: boolean;
  stream(): Readable;
  readAll(): Promise<Buffer>;
}

export interface InvocationResponse {
  statusCode: number;
  /** Header names as the backend sent them; multi-valued headers as arrays. */
  headers: Record<string, string | string[]>;
  body: Buffer | string | Readable;
  /** Time spent waiting on the backend, for IntegrationLatency. */
  integrationLatencyMs: number;
}

/** A failure that the pipeline renders as the named gateway response. */
export class IntegrationFailure extends Error {
  constructor(
    readonly responseType: GatewayResponseType,
    readonly statusCode: number,
    message: string,
    /** What the client sees in `{"message": …}`; AWS's text for the response type. */
    readonly clientMessage: string,
  ) {
    super(message);
    this.name = 'IntegrationFailure';
  }
}

/** The request body exceeded the configured limit while it was being read or streamed. */
export class PayloadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request body exceeds ${limit} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

export interface Invoker {
  invoke(integration: Integration, req: InvocationRequest): Promise<InvocationResponse>;
}

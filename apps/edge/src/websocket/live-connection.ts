import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { InvocationBody, InvocationRequest, WebSocketEventContext } from '../integrations';
import type { StageDirectory } from '../routing/invocation-target';
import type { CompiledStage } from '../stages/compiled-stage';
import type { MessageAllowance } from './websocket-throttling';

/**
 * 16 URL-safe characters from 96 random bits: unguessable, and unique across edges without
 * coordination (a collision is as likely as guessing one).
 */
export function newConnectionId(): string {
  return randomBytes(12).toString('base64url');
}

export type CloseKind =
  | 'client'
  | 'idle'
  | 'max-duration'
  | 'deleted'
  | 'shutdown'
  | 'heartbeat'
  | 'slow-consumer'
  | 'error';

/** What the edge keeps of one open socket: small, since an edge holds tens of thousands. */
export class LiveConnection implements MessageAllowance {
  lastActiveAt: number;
  /** Answered the last ping. */
  alive = true;
  inflight = 0;
  /** The connection's message bucket (WS_MESSAGE_*_PER_CONNECTION): full until first used. */
  messageTokens = Infinity;
  messageRefilledAt: number;
  /** Why the edge closed it, when it did; else the client did. */
  closeKind?: CloseKind;
  /** The close code the edge sent, if it closed first (the peer may never echo it). */
  sentCloseCode?: number;
  private abortController?: AbortController;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    /** See refreshStage. */
    private stage: CompiledStage,
    readonly connectedAt: number,
    readonly sourceIp: string,
    readonly userAgent: string | undefined,
    readonly domainName: string,
    readonly domainPrefix: string,
    readonly protocol: string,
    readonly tags: string[],
    readonly principalId: string | undefined,
    /**
     * Who `$connect` admitted — its authorizer's answer, the credential that signed it, the API
     * key: every later event of the connection carries them.
     */
    readonly caller: Pick<InvocationRequest, 'authorizer' | 'iamPrincipal' | 'apiKey'>,
  ) {
    this.lastActiveAt = connectedAt;
    this.messageRefilledAt = connectedAt;
  }

  get apiId(): string {
    return this.stage.apiId;
  }

  get stageName(): string {
    return this.stage.stageName;
  }

  /**
   * The stage as deployed now (a redeploy changes routing on open connections, as on AWS); the
   * one it connected to while the stage is gone.
   */
  refreshStage(directory: StageDirectory<CompiledStage>): CompiledStage {
    this.stage = directory.stage(this.apiId, this.stageName) ?? this.stage;
    return this.stage;
  }

  /** Aborted when the socket closes: integrations still running for it stop waiting. */
  get signal(): AbortSignal {
    return (this.abortController ??= new AbortController()).signal;
  }

  closed(): void {
    this.abortController?.abort(new Error('Connection closed'));
  }

  /** An invocation for one message or for `$disconnect`, as an integration reads it. */
  invocation(ws: WebSocketEventContext, body?: Buffer): InvocationRequest {
    const stage = this.stage;
    const host = this.domainName;
    return {
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      httpMethod: 'POST',
      path: '/',
      fullPath: '/' + stage.stageName,
      resourcePath: ws.routeKey,
      resourceId: ws.routeKey,
      pathParameters: {},
      query: {},
      rawQuery: '',
      // API Gateway shows integrations of messages and $disconnect a few headers, not the handshake's.
      headers: {
        host: [host],
        'x-forwarded-for': [this.sourceIp],
        'x-forwarded-proto': [this.protocol],
        ...(body && !ws.isBinary ? { 'content-type': ['application/json'] } : {}),
      },
      body: bufferBody(body),
      sourceIp: this.sourceIp,
      userAgent: this.userAgent,
      protocol: 'HTTP/1.1',
      domainName: host,
      domainPrefix: this.domainPrefix,
      apiId: stage.apiId,
      accountId: '',
      stage: stage.stageName,
      deploymentId: stage.deploymentId,
      stageVariables: stage.variables as Record<string, string>,
      binaryMediaTypes: stage.binaryMediaTypes as string[],
      signal: this.signal,
      webSocket: ws,
      ...this.caller,
    };
  }
}

const EMPTY = Buffer.alloc(0);

export function bufferBody(data: Buffer | undefined): InvocationBody {
  const buf = data ?? EMPTY;
  return {
    length: buf.length,
    empty: buf.length === 0,
    stream: () => Readable.from([buf]),
    readAll: () => Promise.resolve(buf),
  };
}

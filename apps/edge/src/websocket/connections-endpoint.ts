import { Inject, Injectable } from '@nestjs/common';
import {
  CHANNEL_TOPIC_PATTERN,
  type ConnectionInfo,
  type ConnectionRecord,
  type PorticoError,
} from '@portico/contracts';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import type { EdgeRequest } from '../pipeline/edge-request';
import type { CompiledStage } from '../stages/compiled-stage';
import { ConnectionsClient } from './connections-client';

/** What the pipeline writes for a management call. */
export interface EndpointAnswer {
  status: number;
  body: string;
  /** AWS's error type, sent as `x-amzn-ErrorType` so the SDK raises the right exception. */
  errorType?: string;
}

const CONNECTIONS = '@connections';
const CHANNELS = '@channels';

/**
 * The HTTP side of a WebSocket API stage, as API Gateway's management endpoint
 * (`/{stage}/@connections/{connectionId}`: POST, GET, DELETE) plus Portico's presence
 * (`GET /{stage}/@connections?tag=…&principal=…`) and channels (`POST /{stage}/@channels/{topic}`
 * publishes, `PUT`/`DELETE /{stage}/@channels/{topic}/{connectionId}` join and leave). Every
 * call goes through the connections service, so it works on any edge, whichever holds the socket.
 */
@Injectable()
export class ConnectionsEndpoint {
  private readonly maxMessage: number;

  constructor(
    @Inject(EDGE_CONFIG) config: EdgeConfig,
    private readonly connections: ConnectionsClient,
  ) {
    this.maxMessage = config.WS_MAX_MESSAGE_BYTES;
  }

  /** Undefined: not a management path (the pipeline answers as for an unknown route). */
  async handle(
    r: EdgeRequest,
    stage: CompiledStage,
    segments: readonly string[],
  ): Promise<EndpointAnswer | undefined> {
    const [collection, name, member, ...rest] = segments;
    if (rest.length > 0) return undefined;
    const scope = { apiId: stage.apiId, stage: stage.stageName };
    const method = r.httpMethod;
    if (collection === CONNECTIONS && member === undefined) {
      if (name === undefined) {
        if (method !== 'GET') return undefined;
        return this.list(r, scope);
      }
      const cmd = { ...scope, connectionId: name };
      if (method === 'POST') {
        const data = await this.readMessage(r);
        if (!Buffer.isBuffer(data)) return data;
        return answer(
          await this.connections.command({ op: 'post', ...cmd }, data, r.requestId),
          () => '',
        );
      }
      if (method === 'GET') {
        const reply = await this.connections.command({ op: 'get', ...cmd }, undefined, r.requestId);
        return answer(reply, () =>
          reply.ok && reply.connection ? connectionShape(reply.connection) : '{}',
        );
      }
      if (method === 'DELETE') {
        const reply = await this.connections.command(
          { op: 'delete', ...cmd },
          undefined,
          r.requestId,
        );
        return reply.ok ? { status: 204, body: '' } : answer(reply, () => '');
      }
      return undefined;
    }
    if (collection === CHANNELS && name !== undefined) {
      if (!CHANNEL_TOPIC_PATTERN.test(name)) {
        return { status: 400, body: message('Invalid topic'), errorType: 'BadRequestException' };
      }
      const topic = { ...scope, topic: name };
      if (member === undefined && method === 'POST') {
        const data = await this.readMessage(r);
        if (!Buffer.isBuffer(data)) return data;
        const reply = await this.connections.publish(topic, data, r.requestId);
        return answer(reply, () =>
          reply.ok ? JSON.stringify({ recipients: reply.recipients }) : '',
        );
      }
      if (member !== undefined && (method === 'PUT' || method === 'DELETE')) {
        const action = method === 'PUT' ? 'join' : 'leave';
        const reply = await this.connections.membership(
          { ...topic, connectionId: member, action },
          r.requestId,
        );
        return reply.ok ? { status: 204, body: '' } : answer(reply, () => '');
      }
    }
    return undefined;
  }

  private async list(
    r: EdgeRequest,
    scope: { apiId: string; stage: string },
  ): Promise<EndpointAnswer> {
    const tag = r.query.tag?.[0];
    const principalId = r.query.principal?.[0];
    const reply = await this.connections.list({ ...scope, tag, principalId }, r.requestId);
    return answer(reply, () =>
      reply.ok ? JSON.stringify({ items: reply.connections.map(presenceShape) }) : '',
    );
  }

  /** The body to post, or the 413 for one over the message limit (AWS's 128 KB). */
  private async readMessage(r: EdgeRequest): Promise<Buffer | EndpointAnswer> {
    const declared = Number(r.raw.headers['content-length'] ?? 0);
    const data = declared > this.maxMessage ? undefined : await r.body.readAll();
    if (!data || data.length > this.maxMessage) {
      return {
        status: 413,
        body: message(`Message exceeds ${this.maxMessage} bytes`),
        errorType: 'PayloadTooLargeException',
      };
    }
    return data;
  }
}

function answer(
  reply: { ok: true } | { ok: false; error: PorticoError },
  body: () => string,
): EndpointAnswer {
  if (reply.ok) return { status: 200, body: body() };
  const { status, errorType } = ERRORS[reply.error.code] ?? ERRORS.Internal!;
  return {
    status,
    errorType,
    body: message(reply.error.code === 'Gone' ? null : reply.error.message),
  };
}

const ERRORS: Partial<Record<PorticoError['code'], { status: number; errorType: string }>> = {
  Gone: { status: 410, errorType: 'GoneException' },
  PayloadTooLarge: { status: 413, errorType: 'PayloadTooLargeException' },
  BadRequest: { status: 400, errorType: 'BadRequestException' },
  NotFound: { status: 404, errorType: 'NotFoundException' },
  Unavailable: { status: 503, errorType: 'ServiceUnavailableException' },
  Internal: { status: 500, errorType: 'InternalServerErrorException' },
};

function message(text: string | null): string {
  return JSON.stringify({ message: text });
}

/** GetConnection's response, as AWS sends it (ISO-8601 times). */
function connectionShape(c: ConnectionInfo): string {
  return JSON.stringify({
    connectedAt: new Date(c.connectedAt).toISOString(),
    identity: { sourceIp: c.sourceIp, userAgent: c.userAgent ?? '' },
    lastActiveAt: new Date(c.lastActiveAt).toISOString(),
  });
}

function presenceShape(c: ConnectionRecord): Record<string, unknown> {
  return {
    connectionId: c.connectionId,
    connectedAt: new Date(c.connectedAt).toISOString(),
    identity: { sourceIp: c.sourceIp, userAgent: c.userAgent ?? '' },
    tags: c.tags,
    ...(c.principalId ? { principalId: c.principalId } : {}),
  };
}

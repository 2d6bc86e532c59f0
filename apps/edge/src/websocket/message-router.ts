import { isUtf8 } from 'node:buffer';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { METRICS_REGISTRY } from '@portico/platform';
import { Counter, type Registry } from 'prom-client';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import { INVOKER, type InvocationResponse, type Invoker } from '../integrations';
import { readLimited } from '../integrations/http/read-body';
import { StageRegistry } from '../stages/stage-registry.service';
import { ThrottleGate } from '../throttling/throttle-gate';
import { ConnectionsClient } from './connections-client';
import type { LiveConnection } from './live-connection';
import { UsagePlanRegistry } from '../stages/usage-plan-registry';
import { MessageAdmission, type RefusalOutcome } from './message-admission';
import { selectRoute } from './route-selection';
import { responseHeader, splitList } from './upgrade-io';

type Outcome = 'routed' | 'no_route' | 'failed' | RefusalOutcome;

/**
 * One message from a client: select the route, admit the message (MessageAdmission: the
 * connection's rate, the route's throttling; refused → an error frame, the connection stays
 * open), invoke its integration, send the route response back when the route is two-way.
 * Messages of a connection run concurrently (as on AWS); past WS_MAX_INFLIGHT_PER_CONNECTION the
 * edge stops reading that socket until some finish.
 */
@Injectable()
export class MessageRouter {
  private readonly logger = new Logger(MessageRouter.name);
  private readonly messages: Counter<'outcome'>;
  private readonly admission: MessageAdmission;

  constructor(
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    private readonly stages: StageRegistry,
    @Inject(INVOKER) private readonly invoker: Invoker,
    private readonly connections: ConnectionsClient,
    @Inject(METRICS_REGISTRY) registry: Registry,
    gate: ThrottleGate,
    plans: UsagePlanRegistry,
  ) {
    this.admission = new MessageAdmission(config, gate, plans);
    this.messages = new Counter({
      name: 'portico_websocket_messages_total',
      help: 'WebSocket messages from clients, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  route(conn: LiveConnection, data: Buffer, isBinary: boolean): void {
    // Counted in flight from the start, so messages waiting on admission hold the socket too.
    if (++conn.inflight >= this.config.WS_MAX_INFLIGHT_PER_CONNECTION) conn.ws.pause();
    this.handle(conn, data, isBinary)
      .catch((err: unknown) => {
        this.logger.error({ connectionId: conn.id, err: String(err) }, 'Message handling failed');
      })
      .finally(() => {
        if (--conn.inflight < this.config.WS_MAX_INFLIGHT_PER_CONNECTION) conn.ws.resume();
      });
  }

  private async handle(conn: LiveConnection, data: Buffer, isBinary: boolean): Promise<void> {
    const requestId = randomUUID();
    const stage = conn.refreshStage(this.stages);
    const ws = stage.webSocket;
    const route = ws && selectRoute(ws, data, isBinary);
    const refused = await this.admission.admit(conn, stage, route, requestId);
    if (refused) {
      // As API Gateway: an error frame, and the connection stays open.
      this.count(refused.outcome);
      const message = refused.error.clientMessage ?? 'Internal server error';
      this.send(conn, errorReply(message, conn.id, requestId));
      return;
    }
    if (!route) {
      this.count('no_route');
      this.send(conn, errorReply('Forbidden', conn.id, requestId));
      return;
    }
    if (!route.integration) {
      this.count('routed');
      return;
    }
    const req = conn.invocation(
      {
        eventType: 'MESSAGE',
        routeKey: route.routeKey,
        connectionId: conn.id,
        connectedAt: conn.connectedAt,
        messageId: randomBytes(9).toString('base64url'),
        isBinary,
      },
      data,
    );
    req.requestId = requestId;
    try {
      const response = await this.invoker.invoke(route.integration, req);
      this.count('routed');
      await this.applyChannelHeaders(conn, response);
      if (!route.twoWay) return;
      const reply = await replyBody(response, this.config.WS_MAX_MESSAGE_BYTES);
      if (reply.length > 0) this.send(conn, reply);
    } catch (err) {
      this.count('failed');
      this.logger.debug({ connectionId: conn.id, err: String(err) }, 'Route failed');
      this.send(conn, errorReply('Internal server error', conn.id, requestId));
    }
  }

  /**
   * Sends to a client. Text when the data is UTF-8 (API Gateway sends text frames), else binary.
   * A client that lets more than WS_MAX_BUFFERED_BYTES pile up is a slow consumer: dropped, so
   * one stalled reader cannot grow the edge's memory. False when the data was not sent.
   */
  send(conn: LiveConnection, data: Buffer | string): boolean {
    const ws = conn.ws;
    if (ws.readyState !== ws.OPEN) return false;
    if (ws.bufferedAmount > this.config.WS_MAX_BUFFERED_BYTES) {
      this.logger.warn(
        { connectionId: conn.id, buffered: ws.bufferedAmount },
        'Slow consumer dropped',
      );
      conn.closeKind ??= 'slow-consumer';
      ws.terminate();
      return false;
    }
    const binary = typeof data !== 'string' && !isUtf8(data);
    ws.send(data, { binary });
    return true;
  }

  /**
   * `X-Portico-Join` / `X-Portico-Leave` on an integration's reply: channel membership. Resolves
   * once the registry has every change (a failed one is logged), so a `$connect` join is in
   * place before the handshake completes and a route's join before its reply is sent.
   */
  async applyChannelHeaders(
    conn: { id: string; apiId: string; stageName: string },
    response: InvocationResponse | undefined,
  ): Promise<void> {
    const changes = [
      ...splitList(responseHeader(response, 'x-portico-join')).map((t) => ['join', t] as const),
      ...splitList(responseHeader(response, 'x-portico-leave')).map((t) => ['leave', t] as const),
    ];
    await Promise.all(
      changes.map(async ([action, topic]) => {
        const reply = await this.connections.membership({
          apiId: conn.apiId,
          stage: conn.stageName,
          topic,
          connectionId: conn.id,
          action,
        });
        if (!reply.ok) {
          this.logger.warn(
            { connectionId: conn.id, topic, action, err: reply.error.message },
            'Channel membership change failed',
          );
        }
      }),
    );
  }

  private count(outcome: Outcome): void {
    this.messages.inc({ outcome });
  }
}

function errorReply(message: string, connectionId: string, requestId: string): string {
  return JSON.stringify({ message, connectionId, requestId });
}

async function replyBody(response: InvocationResponse, limit: number): Promise<Buffer | string> {
  const body = response.body;
  if (typeof body === 'string') return body;
  if (body instanceof Readable) return readLimited(body, limit);
  return body;
}

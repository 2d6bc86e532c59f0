import { bootstrap as startConnections } from '@portico/connections';
import { DefinitionStore } from '@portico/definitions';
import { bootstrap as startEdge } from '@portico/edge';
import { type FunctionRunner, startFunctionRunner } from '@portico/functions';
import type { RunningService, ServiceHandle } from '@portico/platform';
import { startInfra, type TestInfra } from '@portico/testing';
import Redis from 'ioredis';
import { deployWebSocketApi } from './websocket-fixtures';

/** What the chat function received, newest last. */
export interface SeenEvent {
  requestContext: {
    eventType: string;
    routeKey: string;
    connectionId: string;
    disconnectStatusCode?: number;
    messageId?: string;
    apiId?: string;
    identity?: Record<string, unknown>;
  };
  body?: string;
  headers?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
}

/**
 * Real NATS and Redis, connections replicas, a chat function in the function runner, and the
 * `chat` API (routes $connect, $disconnect, echo, join, fail → the function; $default → mock)
 * deployed. Edges are started by the suites, with the settings they test.
 */
export class WebSocketStack {
  readonly events: SeenEvent[] = [];
  readonly edges: RunningService[] = [];
  readonly replicas: ServiceHandle[] = [];
  private runner?: FunctionRunner;
  private redis?: Redis;
  store!: DefinitionStore;

  constructor(readonly infra: TestInfra) {}

  static async start(
    replicas = 2,
    connectionsEnv: Record<string, string> = {},
  ): Promise<WebSocketStack> {
    const stack = new WebSocketStack(await startInfra());
    stack.redis = new Redis(stack.infra.redisUrl);
    stack.store = new DefinitionStore(stack.redis, stack.infra.redisKeyPrefix);
    stack.runner = await startFunctionRunner({
      natsUrl: stack.infra.natsUrl,
      name: 'chat',
      handler: (event: unknown) => stack.chat(event as SeenEvent),
    });
    await deployWebSocketApi(stack.store, {
      id: 'chat',
      routes: {
        $connect: { integration: { type: 'AWS_PROXY', uri: 'chat' } },
        $disconnect: { integration: { type: 'AWS_PROXY', uri: 'chat' } },
        echo: { integration: { type: 'AWS_PROXY', uri: 'chat' }, twoWay: true },
        join: { integration: { type: 'AWS_PROXY', uri: 'chat' }, twoWay: true },
        fail: { integration: { type: 'AWS_PROXY', uri: 'chat' }, twoWay: true },
        $default: {
          twoWay: true,
          integration: {
            type: 'MOCK',
            requestTemplates: { 'application/json': '{"statusCode": 200}' },
            responses: [
              {
                selectionPattern: 'default',
                statusCode: '200',
                responseParameters: {},
                responseTemplates: { 'application/json': '{"message":"unknown action"}' },
              },
            ],
          },
        },
      },
    });
    for (let i = 0; i < replicas; i++) {
      stack.replicas.push(await startConnections(stack.env(connectionsEnv)));
    }
    return stack;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      NATS_URL: this.infra.natsUrl,
      REDIS_URL: this.infra.redisUrl,
      REDIS_KEY_PREFIX: this.infra.redisKeyPrefix,
      LOG_LEVEL: 'error',
      OPS_HOST: '127.0.0.1',
      EDGE_HOST: '127.0.0.1',
      EDGE_PORT: '0',
      EDGE_OPS_PORT: '0',
      CONNECTIONS_OPS_PORT: '0',
      SHUTDOWN_TIMEOUT_MS: '10000',
      ...extra,
    };
  }

  async startEdge(extra: Record<string, string> = {}): Promise<RunningService> {
    const edge = await startEdge(this.env(extra));
    this.edges.push(edge);
    return edge;
  }

  /** The path-style WebSocket URL of a stage on an edge. */
  url(edge: { port: number }, apiId = 'chat', stage = 'prod', query = ''): string {
    return `ws://127.0.0.1:${edge.port}/restapis/${apiId}/${stage}/_user_request_/${query}`;
  }

  /** The management endpoint the AWS SDK is given for a stage (path style). */
  endpoint(edge: { port: number }, apiId = 'chat', stage = 'prod'): string {
    return `http://127.0.0.1:${edge.port}/restapis/${apiId}/${stage}/_user_request_`;
  }

  disconnects(connectionId: string): SeenEvent[] {
    return this.events.filter(
      (e) =>
        e.requestContext.eventType === 'DISCONNECT' &&
        e.requestContext.connectionId === connectionId,
    );
  }

  connectionIdOf(index = -1): string {
    const connects = this.events.filter((e) => e.requestContext.eventType === 'CONNECT');
    return connects.at(index)!.requestContext.connectionId;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.edges.map((e) => e.close()));
    await Promise.allSettled(this.replicas.map((r) => r.close()));
    await this.runner?.close();
    this.redis?.disconnect();
    await this.infra.stop();
  }

  private async chat(event: SeenEvent): Promise<unknown> {
    this.events.push(event);
    const rc = event.requestContext;
    if (rc.eventType === 'CONNECT') {
      const q = event.queryStringParameters ?? {};
      if (q.deny) return { statusCode: Number(q.deny) };
      const headers: Record<string, string> = {};
      if (q.protocol) headers['Sec-WebSocket-Protocol'] = q.protocol;
      if (q.tags) headers['X-Portico-Tags'] = q.tags;
      if (q.room) headers['X-Portico-Join'] = q.room;
      return { statusCode: 200, headers };
    }
    if (rc.eventType === 'DISCONNECT') return { statusCode: 200 };
    const body = JSON.parse(event.body ?? '{}') as { action: string; room?: string };
    if (body.action === 'fail') throw new Error('boom');
    if (body.action === 'join') {
      return { statusCode: 200, headers: { 'X-Portico-Join': body.room ?? '' }, body: 'joined' };
    }
    return {
      statusCode: 200,
      body: JSON.stringify({ echo: body, routeKey: rc.routeKey, connectionId: rc.connectionId }),
    };
  }
}

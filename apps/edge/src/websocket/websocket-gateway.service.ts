import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { CONNECT_ROUTE, DISCONNECT_ROUTE } from '@portico/definitions';
import { HealthService } from '@portico/platform';
import { AccessControl } from '../auth/access-control';
import { type WebSocket, WebSocketServer } from 'ws';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import {
  INVOKER,
  type InvocationResponse,
  type Invoker,
  type WebSocketEventContext,
} from '../integrations';
import { EdgeRequest, type RequestSettings, requestSettings } from '../pipeline/edge-request';
import { locateRequest } from '../pipeline/locate-request';
import { GatewayError } from '../responses/gateway-error';
import { StageRegistry } from '../stages/stage-registry.service';
import { ThrottleGate } from '../throttling/throttle-gate';
import { ConnectionsClient } from './connections-client';
import { type CloseKind, LiveConnection, newConnectionId } from './live-connection';
import { MISSED_BEATS } from './edge-heartbeat.service';
import { LiveConnections } from './live-connections';
import { MessageRouter } from './message-router';
import { originAllowed } from './upgrade-guards';
import { connectBuckets } from './websocket-throttling';
import {
  limitFrameSize,
  rejectUpgrade,
  rejectUpgradeWith,
  responseHeader,
  splitList,
} from './upgrade-io';

/** Close codes as API Gateway sends them. */
const GOING_AWAY = 1001;
const PROTOCOL_ERROR_CODES: Record<string, number> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_INVALID_UTF8: 1007,
};
/** How long a closing socket may take to answer our close frame before it is cut. */
const CLOSE_GRACE_MS = 2000;

/** The LiveConnection a socket belongs to, kept on the socket for the shared listeners. */
const CONNECTION = Symbol('portico.connection');
type AdoptedSocket = WebSocket & { [CONNECTION]: LiveConnection };
const connectionOf = (ws: WebSocket): LiveConnection => (ws as AdoptedSocket)[CONNECTION];

/**
 * WebSocket APIs on the edge: the upgrade (`$connect` decides it), every message (MessageRouter),
 * and every kind of close (`$disconnect` exactly once, then the registry forgets the connection).
 * Limits: frame and message size (1009), invalid UTF-8 (1007, by ws), idle timeout and maximum
 * duration (1001), pings (a silent peer is dropped), slow consumers (dropped), Origin allowlist
 * and new connections per second per API (the bucket `connect:{apiId}`, shared by every edge).
 */
@Injectable()
export class WebSocketGateway implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebSocketGateway.name);
  private readonly wss: WebSocketServer;
  private readonly settings: RequestSettings;
  private readonly executeApiSuffix: string;
  private readonly pending = new Set<Promise<void>>();
  private readonly chosenProtocol = new WeakMap<IncomingMessage, string>();
  private pingTimer?: NodeJS.Timeout;
  private limitsTimer?: NodeJS.Timeout;

  constructor(
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
    private readonly stages: StageRegistry,
    @Inject(INVOKER) private readonly invoker: Invoker,
    private readonly connections: ConnectionsClient,
    private readonly live: LiveConnections,
    private readonly router: MessageRouter,
    private readonly health: HealthService,
    private readonly access: AccessControl,
    private readonly gate: ThrottleGate,
  ) {
    this.executeApiSuffix = `.execute-api.${config.PORTICO_DOMAIN}`;
    this.settings = requestSettings(config);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: config.WS_MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
      // Sec-WebSocket-Protocol goes back only when `$connect` chose one, as on AWS.
      handleProtocols: (_offered, req) => this.chosenProtocol.get(req) ?? false,
    });
  }

  onApplicationBootstrap(): void {
    this.pingTimer = setInterval(() => this.pingAll(), this.config.WS_PING_INTERVAL_MS);
    this.pingTimer.unref();
    const every = Math.max(100, Math.min(1000, this.config.WS_IDLE_TIMEOUT_MS / 10));
    this.limitsTimer = setInterval(() => this.enforceTimeLimits(), every);
    this.limitsTimer.unref();
  }

  /**
   * The listeners every socket shares: one function each per gateway, not closures per
   * connection (an edge holds tens of thousands; each closure and its context is heap). `this`
   * is the emitter, as EventEmitter calls listeners.
   */
  private readonly listeners = ((gateway: WebSocketGateway) => ({
    upgradeError(this: Duplex, err: Error): void {
      gateway.logger.debug({ err: err.message }, 'Upgrade socket error');
    },
    pong(this: WebSocket): void {
      connectionOf(this).alive = true;
    },
    message(this: WebSocket, data: Buffer, isBinary: boolean): void {
      const conn = connectionOf(this);
      conn.lastActiveAt = Date.now();
      gateway.router.route(conn, data, isBinary);
    },
    error(this: WebSocket, err: Error & { code?: string }): void {
      const conn = connectionOf(this);
      // ws closes with the protocol's code (1009, 1007, 1002) and may not hear the peer's reply.
      conn.sentCloseCode ??= PROTOCOL_ERROR_CODES[err.code ?? ''] ?? 1002;
      gateway.logger.debug({ connectionId: conn.id, err: err.message }, 'WebSocket error');
    },
    // ws emits 'close' once per socket.
    close(this: WebSocket, code: number, reason: Buffer): void {
      gateway.track(gateway.closed(connectionOf(this), code, reason.toString('utf8')));
    },
  }))(this);

  /** The data port's `upgrade` event: never throws, always answers or adopts the socket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, plain: () => void): void {
    socket.on('error', this.listeners.upgradeError);
    this.track(
      this.upgrade(req, socket, head, plain).catch((err: unknown) => {
        this.logger.error({ err: errorText(err) }, 'WebSocket upgrade failed');
        rejectUpgrade(socket, 500, 'Internal server error', '');
      }),
    );
  }

  private async upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    plain: () => void,
  ): Promise<void> {
    const r = new EdgeRequest(req, this.settings);
    if (this.health.isDraining()) {
      return rejectUpgrade(socket, 503, 'Service Unavailable', r.requestId);
    }
    const located = locateRequest(r, this.stages, this.executeApiSuffix);
    if (located instanceof GatewayError) {
      return rejectUpgrade(
        socket,
        located.statusCode,
        located.clientMessage ?? 'Internal server error',
        r.requestId,
      );
    }
    const { stage, segments } = located;
    const ws = stage.webSocket;
    if (!ws) return plain();
    if (segments.length > 0) {
      return rejectUpgrade(socket, 403, 'Forbidden', r.requestId);
    }
    if (!originAllowed(ws.settings.allowedOrigins, req.headers.origin)) {
      this.logger.warn({ apiId: stage.apiId, origin: req.headers.origin }, 'Origin not allowed');
      return rejectUpgrade(socket, 403, 'Forbidden', r.requestId);
    }
    // New connections per second per API, across every edge: refused ones never reach $connect.
    const connectSet = connectBuckets(stage.apiId, ws.settings.maxConnectionsPerSecond);
    const throttled = connectSet && (await this.gate.admit(connectSet, r.requestId));
    if (throttled) return rejectUpgradeWith(socket, throttled, r.requestId);

    const connectionId = newConnectionId();
    const connectedAt = Date.now();
    const route = ws.routes.get(CONNECT_ROUTE);
    if (route?.unsupportedAuth) {
      // An authorizer that cannot run: never let such a route in unchecked.
      this.logger.error(
        { apiId: stage.apiId, requires: route.unsupportedAuth },
        '$connect requires authorization this gateway does not run on WebSocket APIs yet; refused',
      );
      return rejectUpgrade(socket, 500, 'Internal server error', r.requestId);
    }
    const connect: WebSocketEventContext = {
      eventType: 'CONNECT',
      routeKey: CONNECT_ROUTE,
      connectionId,
      connectedAt,
    };
    if (route) {
      // Sets r.authorizer / r.iamPrincipal: $connect and every later event of the connection see them.
      const refused = await this.access.admitConnect(r, stage, route, connect);
      if (refused) {
        const fields = {
          apiId: stage.apiId,
          stage: stage.stageName,
          requestId: r.requestId,
          status: refused.statusCode,
          reason: refused.message,
        };
        if (refused.statusCode >= 500) this.logger.warn(fields, '$connect authorization failed');
        else this.logger.log(fields, '$connect refused');
        return rejectUpgradeWith(socket, refused, r.requestId);
      }
    }
    let response: InvocationResponse | undefined;
    if (route?.integration) {
      try {
        r.webSocket = connect;
        response = await this.invoker.invoke(route.integration, r);
      } catch {
        // The integration service logged why; AWS answers a failed $connect with 500.
        return rejectUpgrade(socket, 500, 'Internal server error', r.requestId);
      }
      if (response.statusCode < 200 || response.statusCode > 299) {
        return rejectUpgrade(socket, response.statusCode, undefined, r.requestId);
      }
    }
    if (socket.destroyed) return;
    if (this.health.isDraining()) {
      return rejectUpgrade(socket, 503, 'Service Unavailable', r.requestId);
    }
    const tags = splitList(responseHeader(response, 'x-portico-tags'));
    // For presence: what $connect's reply names, else the authorizer's principal.
    const principalId =
      responseHeader(response, 'x-portico-principal') || r.authorizer?.principalId || undefined;
    const record = {
      connectionId,
      apiId: stage.apiId,
      stage: stage.stageName,
      edgeId: this.config.EDGE_ID,
      connectedAt,
      sourceIp: r.sourceIp,
      userAgent: r.userAgent,
      tags,
      principalId,
      edgeTtlMs: this.config.EDGE_HEARTBEAT_MS * MISSED_BEATS,
    };
    const registered = await this.connections.register(record, r.requestId);
    if (!registered.ok) {
      this.logger.error(
        { connectionId, apiId: stage.apiId, err: registered.error.message },
        'Could not register a connection',
      );
      return rejectUpgrade(socket, 500, 'Internal server error', r.requestId);
    }
    // Joins from `$connect` are in place before the client can be sent to a channel.
    await this.router.applyChannelHeaders(
      { id: connectionId, apiId: stage.apiId, stageName: stage.stageName },
      response,
    );
    if (socket.destroyed) {
      await this.connections.unregister({
        connectionId,
        apiId: stage.apiId,
        edgeId: this.config.EDGE_ID,
      });
      return;
    }
    const protocol = responseHeader(response, 'sec-websocket-protocol');
    if (protocol) this.chosenProtocol.set(req, protocol);
    this.wss.handleUpgrade(req, socket, head, (socketWs) => {
      const conn = new LiveConnection(
        connectionId,
        socketWs,
        stage,
        connectedAt,
        r.sourceIp,
        r.userAgent,
        r.domainName,
        r.domainPrefix,
        r.headers['x-forwarded-proto']?.[0] ?? 'http',
        tags,
        principalId,
        {
          ...(r.authorizer ? { authorizer: r.authorizer } : {}),
          ...(r.iamPrincipal ? { iamPrincipal: r.iamPrincipal } : {}),
          ...(r.apiKey ? { apiKey: { id: r.apiKey.id, value: r.apiKey.value } } : {}),
        },
      );
      this.adopt(conn);
    });
  }

  private adopt(conn: LiveConnection): void {
    const ws = conn.ws;
    limitFrameSize(ws, this.config.WS_MAX_FRAME_BYTES);
    this.live.add(conn);
    (ws as AdoptedSocket)[CONNECTION] = conn;
    const { pong, message, error, close } = this.listeners;
    ws.on('pong', pong).on('message', message).on('error', error).on('close', close);
  }

  /** Handshakes and closes under way: the drain waits for them. */
  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Runs once per connection, for every kind of close. */
  private async closed(conn: LiveConnection, code: number, reason: string): Promise<void> {
    conn.closed();
    if (!this.live.delete(conn)) return;
    const kind: CloseKind = conn.closeKind ?? 'client';
    const route = conn.refreshStage(this.stages).webSocket?.routes.get(DISCONNECT_ROUTE);
    if (route?.integration) {
      const req = conn.invocation({
        eventType: 'DISCONNECT',
        routeKey: DISCONNECT_ROUTE,
        connectionId: conn.id,
        connectedAt: conn.connectedAt,
        disconnectStatusCode: conn.sentCloseCode ?? code,
        disconnectReason: reason,
      });
      // The socket is gone, so its signal is aborted: $disconnect gets a fresh one.
      req.signal = new AbortController().signal;
      await this.invoker.invoke(route.integration, req).catch((err: unknown) => {
        this.logger.warn({ connectionId: conn.id, err: errorText(err) }, '$disconnect failed');
      });
    }
    const removed = await this.connections.unregister({
      connectionId: conn.id,
      apiId: conn.apiId,
      edgeId: this.config.EDGE_ID,
    });
    if (!removed.ok) {
      // The edge's heartbeat keeps it listed; the registry's sweep cannot clean this one up.
      this.logger.warn({ connectionId: conn.id, err: removed.error.message }, 'Unregister failed');
    }
    this.logger.debug({ connectionId: conn.id, kind, code }, 'WebSocket closed');
  }

  /** Closes a connection on the edge's initiative (DELETE @connections, limits, shutdown). */
  close(conn: LiveConnection, kind: CloseKind, code: number, reason: string): void {
    if (conn.closeKind) return;
    conn.closeKind = kind;
    conn.sentCloseCode = code;
    conn.ws.close(code, reason);
    // A peer that never answers the close frame is cut, so $disconnect cannot wait on it.
    setTimeout(() => conn.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  private pingAll(): void {
    for (const conn of this.live.values()) {
      if (!conn.alive) {
        conn.closeKind ??= 'heartbeat';
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }

  private enforceTimeLimits(): void {
    const now = Date.now();
    const idleBefore = now - this.config.WS_IDLE_TIMEOUT_MS;
    const startedBefore = now - this.config.WS_MAX_DURATION_MS;
    for (const conn of this.live.values()) {
      if (conn.connectedAt <= startedBefore) {
        this.close(conn, 'max-duration', GOING_AWAY, 'Going away');
      } else if (conn.lastActiveAt <= idleBefore) {
        this.close(conn, 'idle', GOING_AWAY, 'Going away');
      }
    }
  }

  /**
   * SIGTERM: readiness is already 503 and upgrades are refused; every socket gets close 1001,
   * `$disconnect` runs for each, the registry forgets them — then the HTTP server closes.
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.pingTimer);
    clearInterval(this.limitsTimer);
    const count = this.live.size;
    for (const conn of this.live.values()) this.close(conn, 'shutdown', GOING_AWAY, 'Going away');
    // Close events arrive as peers answer (or as CLOSE_GRACE_MS cuts them); each adds its work.
    while (this.live.size > 0 || this.pending.size > 0) {
      // Never a bare allSettled([]): with nothing pending it would spin without yielding.
      await (this.pending.size > 0
        ? Promise.race([Promise.allSettled([...this.pending]), delay(50)])
        : delay(20));
    }
    if (count > 0) this.logger.log({ connections: count }, 'WebSocket connections drained');
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyHttpOptions } from 'fastify';
import type { PinoLogger } from '@portico/platform';
import type { EdgeConfig } from '../config';
import { createClientErrorHandler, createConnectHandler } from './client-errors';
import { writeGatewayResponse } from './response-writer';

/** What serves data-plane requests: the request pipeline. */
export interface DataPlaneHandler {
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/** What serves WebSocket handshakes: the WebSocket gateway. */
export interface UpgradeHandler {
  /** `plain` serves the request as an ordinary one (an upgrade asked of a REST API). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, plain: () => void): void;
}

/**
 * Idle keep-alive connections stay open longer than the 60 s idle timeout load balancers
 * commonly use, so the balancer, not the edge, closes them (no race on a reused connection).
 */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/**
 * The data port's HTTP server. Fastify (through Nest) still listens and closes it, but requests
 * go from Node's parser straight to the pipeline: Fastify's router, hooks and reply objects would
 * only add work to a catch-all route whose handler takes the raw request and response anyway, and
 * Fastify would refuse some requests (unparseable Content-Type, …) with answers that are not API
 * Gateway's. The pipeline parses request targets itself (one normaliser, API Gateway's rules).
 */
export class DataPlane {
  private handler?: DataPlaneHandler;
  private upgrades?: UpgradeHandler;

  constructor(
    private readonly config: EdgeConfig,
    private readonly logger: PinoLogger,
  ) {}

  /** Fastify settings: the server comes from here. */
  fastifyOptions(): FastifyHttpOptions<Server> {
    return {
      serverFactory: () => this.createServer(),
      // Fastify attaches it to the server's 'clientError' event.
      clientErrorHandler: createClientErrorHandler(this.logger, this.config.MAX_HEADER_BYTES),
    };
  }

  /** From now on requests reach `handler` (called before the server listens). */
  attach(handler: DataPlaneHandler, upgrades?: UpgradeHandler): void {
    this.handler = handler;
    this.upgrades = upgrades;
  }

  private createServer(): Server {
    const dispatch = (req: IncomingMessage, res: ServerResponse): void => {
      if (this.handler) this.handler.handle(req, res);
      else notReady(res);
    };
    const server = createServer(
      {
        maxHeaderSize: this.config.MAX_HEADER_BYTES,
        // Node would answer a missing Host itself, without a request id; the pipeline does.
        requireHostHeader: false,
      },
      dispatch,
    );
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    // `Expect: 100-continue` reaches the pipeline unanswered: it sends 100 Continue only when an
    // integration reads the body, so a 413 or 403 never makes the client upload it first.
    server.on('checkContinue', dispatch);
    // Other expectations are ignored, as by most servers, rather than answered 417 by Node
    // without a request id.
    server.on('checkExpectation', dispatch);
    server.on('connect', createConnectHandler(this.logger));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const plain = (): void => servePlain(req, socket, head, dispatch);
      if (this.upgrades) this.upgrades.handleUpgrade(req, socket, head, plain);
      else plain();
    });
    return server;
  }
}

/**
 * Node hands every request with `Upgrade` to the upgrade listener, detached from its HTTP
 * machinery. A REST API answers it as a plain request (as API Gateway does): a response is
 * bound to the socket by hand, and the connection closes after it.
 */
function servePlain(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  dispatch: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  if (head.length > 0) socket.unshift(head);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  dispatch(req, res);
}

function notReady(res: ServerResponse): void {
  writeGatewayResponse(
    res,
    503,
    ['content-type', 'application/json'],
    '{"message":"Service Unavailable"}',
    randomUUID(),
    true,
  );
}

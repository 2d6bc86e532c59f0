import { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { HOP_BY_HOP_HEADERS } from '../../pipeline/hop-by-hop';
import { integrationError, timeoutError } from '../integration-errors';
import { IntegrationFailure, PayloadTooLargeError } from '../integration.types';
import type { UpstreamTarget } from './integration-uri';

export interface UpstreamOptions {
  /** Keep-alive connections per origin. */
  connections: number;
  keepAliveTimeoutMs: number;
  connectTimeoutMs: number;
}

export interface UpstreamRequest {
  target: UpstreamTarget;
  method: string;
  /** Lower-cased names; hop-by-hop and `host` are dropped here whatever the caller passes. */
  headers: Record<string, string | string[]>;
  body?: Readable | Buffer | string;
  /** The whole exchange, response body included, must finish within this. */
  timeoutMs: number;
  /** The client's signal: aborting it aborts the upstream exchange. */
  signal: AbortSignal;
}

export interface UpstreamResponse {
  statusCode: number;
  /** Lower-cased names, hop-by-hop removed. */
  headers: Record<string, string | string[]>;
  /**
   * A small body with a declared length arrives whole (a Buffer: one write to the client, no
   * stream); anything else streams.
   */
  body: Readable | Buffer;
  /** Time until the response head arrived. */
  latencyMs: number;
}

/**
 * Origins come only from deployed definitions; the cap keeps a definition with stage-variable
 * hosts from growing the pool table without bound. Idle pools close after keepAliveTimeout.
 */
const MAX_ORIGINS = 1024;

/**
 * Bodies up to this size with a declared Content-Length are collected before the response is
 * handed on: most API responses are small, and a stream per response (plus piping it) cost a
 * good part of a proxied request's CPU.
 */
export const BUFFERED_BODY_BYTES = 64 * 1024;

/** Connection-specific headers, plus those undici sets itself or refuses to forward. */
const NOT_FORWARDED: ReadonlySet<string> = new Set([...HOP_BY_HOP_HEADERS, 'host', 'expect']);

/** Whether a request header (lower-cased name) may go to the backend; others are dropped here. */
export function isForwardable(name: string): boolean {
  return !NOT_FORWARDED.has(name);
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

class TimeoutReason extends Error {}

type Controller = Dispatcher.DispatchController;

/**
 * One exchange as an undici dispatch handler: one timer for the whole exchange, one listener on
 * the client's signal (this object itself, as an EventListener), and the body either collected
 * (small, declared length) or pushed into a stream that pauses the socket when the client reads
 * slowly. Whatever ends it — the response, an error, the timer, the client leaving — ends it
 * once: the timer and listener go, the promise settles or the stream is destroyed.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller?: Controller;
  private abortReason?: Error;
  private readonly timer: NodeJS.Timeout;
  private readonly started = performance.now();
  private settled = false;
  private finished = false;
  /** A small body being collected, and the response it belongs to. */
  private chunks?: Buffer[];
  private pending?: Omit<UpstreamResponse, 'body'>;
  private stream?: Readable;
  timedOut = false;

  constructor(
    private readonly req: UpstreamRequest,
    private readonly resolve: (res: UpstreamResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {
    this.timer = setTimeout(fireTimeout, req.timeoutMs, this);
    if (req.signal.aborted) this.abort(toError(req.signal.reason));
    else req.signal.addEventListener('abort', this, { once: true });
  }

  /** The client's signal aborted. */
  handleEvent(): void {
    this.abort(toError(this.req.signal.reason));
  }

  timeout(): void {
    this.timedOut = true;
    this.abort(new TimeoutReason(`Upstream did not answer within ${this.req.timeoutMs} ms`));
  }

  /** Stops the exchange; before the response it fails at once, even while still queued. */
  private abort(reason: Error): void {
    if (this.finished) return;
    this.abortReason ??= reason;
    this.controller?.abort(reason);
    if (!this.settled) this.fail(reason);
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.abortReason) controller.abort(this.abortReason);
  }

  onResponseStart(
    controller: Controller,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (this.settled) return;
    const latencyMs = performance.now() - this.started;
    const declared = Number(headers['content-length']);
    const response = { statusCode, headers: responseHeaders(headers), latencyMs };
    if (
      this.req.method !== 'HEAD' &&
      statusCode >= 200 &&
      statusCode !== 204 &&
      statusCode !== 304 &&
      declared >= 0 &&
      declared <= BUFFERED_BODY_BYTES
    ) {
      this.chunks = [];
      this.pending = response;
      return;
    }
    this.stream = new Readable({
      read: () => controller.resume(),
      destroy: (err, callback) => {
        // The consumer gave up (the client left): stop the transfer from the backend too.
        if (!this.finished) this.abort(err ?? new Error('Response body discarded'));
        callback(err);
      },
    });
    this.settle(() => this.resolve({ ...response, body: this.stream! }));
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.chunks) this.chunks.push(chunk);
    else if (this.stream && !this.stream.push(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.done();
    if (this.chunks && this.pending) {
      const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      const response = this.pending;
      this.settle(() => this.resolve({ ...response, body }));
    } else this.stream?.push(null);
  }

  onResponseError(_controller: Controller, err: Error): void {
    this.done();
    const cause = this.abortReason ?? err;
    if (!this.settled) this.fail(cause);
    else if (this.stream && !this.stream.destroyed) this.stream.destroy(cause);
  }

  private fail(err: unknown): void {
    this.settle(() =>
      this.reject(
        upstreamFailure(err, {
          timedOut: this.timedOut,
          clientAborted: this.req.signal.aborted,
          target: this.req.target,
        }),
      ),
    );
  }

  private settle(fn: () => void): void {
    if (this.settled) return;
    this.settled = true;
    fn();
  }

  private done(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.req.signal.removeEventListener('abort', this);
  }
}

function fireTimeout(exchange: Exchange): void {
  exchange.timeout();
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** The HTTP transport of HTTP and HTTP_PROXY integrations: one keep-alive pool per origin. */
export class UpstreamClient {
  private readonly agent: Agent;

  constructor(options: UpstreamOptions) {
    this.agent = new Agent({
      connections: options.connections,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      connect: { timeout: options.connectTimeoutMs },
      maxOrigins: MAX_ORIGINS,
      // Our own timer bounds the exchange; undici's 300 s defaults must not cut in first.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  request(req: UpstreamRequest): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const exchange = new Exchange(req, resolve, reject);
      this.agent.dispatch(
        {
          origin: req.target.origin,
          path: req.target.path,
          method: req.method as Dispatcher.HttpMethod,
          headers: forwardableHeaders(req.headers),
          body: req.body,
        },
        exchange,
      );
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** The headers as given when none needs dropping (callers usually leave those out already). */
function forwardableHeaders(
  headers: Record<string, string | string[]>,
): Record<string, string | string[]> {
  let clean = true;
  for (const name in headers) {
    if (headers[name] === undefined || NOT_FORWARDED.has(name)) {
      clean = false;
      break;
    }
  }
  if (clean) return headers;
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !NOT_FORWARDED.has(name)) out[name] = value;
  }
  return out;
}

/** Drops hop-by-hop headers, including any the upstream named in its own Connection header. */
export function responseHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const connection = headers.connection;
  // Most responses name nothing beyond keep-alive: build the set only when there is something to read.
  const named =
    connection === undefined
      ? undefined
      : new Set(
          (Array.isArray(connection) ? connection.join(',') : connection)
            .split(',')
            .map((token) => token.trim().toLowerCase()),
        );
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP_HEADERS.has(lower) || named?.has(lower)) continue;
    out[lower] = value;
  }
  return out;
}

/** Walks `cause` chains: undici wraps some socket errors and body-stream errors. */
function findInChain<T>(
  err: unknown,
  pick: (e: Error & { code?: string }) => T | undefined,
): T | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const hit = pick(current);
    if (hit !== undefined) return hit;
    current = (current as Error & { cause?: unknown }).cause;
  }
  return undefined;
}

export function upstreamFailure(
  err: unknown,
  {
    timedOut,
    clientAborted,
    target: upstream,
  }: { timedOut: boolean; clientAborted: boolean; target: UpstreamTarget },
): Error {
  const tooLarge = findInChain(err, (e) => (e instanceof PayloadTooLargeError ? e : undefined));
  if (tooLarge) return tooLarge;
  if (err instanceof IntegrationFailure) return err;
  // Without the query: it may carry secrets, and this text reaches the log.
  const question = upstream.path.indexOf('?');
  const target = `${upstream.origin}${question === -1 ? upstream.path : upstream.path.slice(0, question)}`;
  const code = findInChain(err, (e) =>
    typeof e.code === 'string' && e.code !== 'UND_ERR' ? e.code : undefined,
  );
  const message = err instanceof Error ? err.message : String(err);
  const detail = `${target}: ${code !== undefined && !message.includes(code) ? `${code} ` : ''}${message}`;
  const timerFired =
    findInChain(err, (e) => (e instanceof TimeoutReason ? true : undefined)) ?? false;
  if (timedOut || timerFired || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return timeoutError(`Upstream timed out: ${detail}`);
  }
  return integrationError(`${clientAborted ? 'Client went away' : 'Upstream failed'}: ${detail}`);
}

import type { Readable } from 'node:stream';
import { Agent } from 'undici';
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
  body: Readable;
  /** Time until the response head arrived. */
  latencyMs: number;
}

/**
 * Origins come only from deployed definitions; the cap keeps a definition with stage-variable
 * hosts from growing the pool table without bound. Idle pools close after keepAliveTimeout.
 */
const MAX_ORIGINS = 1024;

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

/**
 * The timer and abort wiring of one exchange, kept to one timer and one listener on the
 * client's signal (this object itself, as an EventListener): the controller aborts the undici
 * request on a timeout or when the client goes away; `done` runs once the response body closes.
 */
class Exchange {
  readonly controller = new AbortController();
  timedOut = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly clientSignal: AbortSignal,
    private readonly timeoutMs: number,
  ) {
    this.timer = setTimeout(fireTimeout, timeoutMs, this);
    if (clientSignal.aborted) this.controller.abort(clientSignal.reason);
    else clientSignal.addEventListener('abort', this, { once: true });
  }

  /** The client's signal aborted. */
  handleEvent(): void {
    this.controller.abort(this.clientSignal.reason);
  }

  timeout(): void {
    this.timedOut = true;
    this.controller.abort(new TimeoutReason(`Upstream did not answer within ${this.timeoutMs} ms`));
  }

  readonly done = (): void => {
    clearTimeout(this.timer);
    this.clientSignal.removeEventListener('abort', this);
  };
}

function fireTimeout(exchange: Exchange): void {
  exchange.timeout();
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

  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const exchange = new Exchange(req.signal, req.timeoutMs);
    const started = performance.now();
    try {
      const res = await this.agent.request({
        origin: req.target.origin,
        path: req.target.path,
        method: req.method,
        headers: forwardableHeaders(req.headers),
        body: req.body,
        signal: exchange.controller.signal,
      });
      const latencyMs = performance.now() - started;
      // A response body always closes, after its end or an error (autoDestroy): one listener.
      res.body.once('close', exchange.done);
      return {
        statusCode: res.statusCode,
        headers: responseHeaders(res.headers),
        body: res.body,
        latencyMs,
      };
    } catch (err) {
      exchange.done();
      throw upstreamFailure(err, {
        timedOut: exchange.timedOut,
        clientAborted: req.signal.aborted,
        target: req.target,
      });
    }
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

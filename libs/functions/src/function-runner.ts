import { randomUUID } from 'node:crypto';
import {
  DEADLINE_HEADER,
  FUNCTION_NAME_PATTERN,
  FUNCTION_QUEUE_GROUP,
  functionInvokeSubject,
  type FunctionInvokeReply,
  REQUEST_ID_HEADER,
} from '@portico/contracts';
import { connectNats, createPinoLogger, natsIsReady } from '@portico/platform';
import type { Logger as PinoLogger } from 'pino';
import { Events, type Msg, type NatsConnection, type NatsError, type Subscription } from 'nats';
import type { Registry } from 'prom-client';
import { FunctionMetrics, outcomeOf } from './function-metrics';
import { invokeHandler, serializeReply } from './invoke-handler';
import { createLambdaContext, type FunctionIdentity, newLogStreamName } from './lambda-context';
import type { LambdaHandler } from './lambda.types';

export interface FunctionRunnerOptions<TEvent = unknown, TResult = unknown> {
  natsUrl: string;
  /** The function name routes invoke to (`arn:…:function:<name>` in an integration URI). */
  name: string;
  handler: LambdaHandler<TEvent, TResult>;
  /** Invocations running at once; default 32. */
  concurrency?: number;
  /** Invocations accepted beyond `concurrency` that wait for a slot; default = concurrency. */
  maxQueued?: number;
  logger?: PinoLogger;
  /** For invokedFunctionArn; defaults us-east-1 / 000000000000. */
  region?: string;
  accountId?: string;
  memoryLimitInMB?: number;
  /** Budget of an invocation that carries no deadline header; default 29 s, API Gateway's maximum. */
  defaultTimeoutMs?: number;
  /** Where to count invocations (portico_function_* metrics); none when absent. */
  registry?: Registry;
}

/** What readiness is made of. */
export interface FunctionRunnerStatus {
  /** Connected to a NATS server now (false while reconnecting, draining or closed). */
  natsConnected: boolean;
  /** Subscribed in the queue group and not closing: invocations can reach this runner. */
  subscribed: boolean;
}

export interface FunctionRunner {
  /** Stops taking invocations, lets accepted ones finish, then drains and closes NATS. */
  close(): Promise<void>;
  /** Invocations running now and accepted ones waiting for a slot. */
  stats(): { running: number; queued: number };
  status(): FunctionRunnerStatus;
}

export const DEFAULT_CONCURRENCY = 32;
const DEFAULT_TIMEOUT_MS = 29_000;
/** Part of the slots that must be free before a full runner subscribes again (at least one). */
const RESUME_FRACTION = 4;
const MAX_TIMEOUT_MS = 15 * 60_000;

/**
 * Serves a Lambda handler on `functionInvokeSubject(name)` in the runners' queue group.
 *
 * Back-pressure: the runner never holds more than `concurrency + maxQueued` invocations. While
 * it has room it keeps one plain queue subscription; the invocation that fills the last slot
 * makes it drain that subscription, so the NATS server stops routing to it: peers in the queue
 * group get the traffic, and with every runner full a caller gets no-responders at once (503)
 * rather than waiting on a queue that only grows. Once a quarter of its slots are free again
 * it subscribes anew. The few invocations the server sent before it saw the unsubscribe find
 * the runner full and get an immediate `Unavailable` reply (503 at the edge, like
 * no-responders), so the bound holds without anyone waiting out a timeout.
 *
 * Why not the server's auto-unsubscribe limit (`UNSUB <sid> <max>`, raised as slots free up),
 * as this runner once did: raising the limit is fire-and-forget. When the server has already
 * delivered `max` messages it drops the subscription and ignores the raise, but nats.js
 * applies the new max locally anyway, so the client never sees the subscription end and
 * never subscribes again: the runner silently left its queue group for good (a caller whose
 * reply was sent before the raise could use up the old limit with its next request). Here only
 * the runner ends a subscription, and only by an explicit drain, so it and the server always
 * agree on whether it is subscribed.
 */
export async function startFunctionRunner<TEvent = unknown, TResult = unknown>(
  options: FunctionRunnerOptions<TEvent, TResult>,
): Promise<FunctionRunner> {
  if (!FUNCTION_NAME_PATTERN.test(options.name)) {
    throw new Error(
      `Invalid function name "${options.name}": letters, digits, - and _ only, up to 64 characters`,
    );
  }
  const concurrency = positiveInteger(options.concurrency ?? DEFAULT_CONCURRENCY, 'concurrency');
  const maxQueued = options.maxQueued ?? concurrency;
  if (!Number.isInteger(maxQueued) || maxQueued < 0)
    throw new Error(`maxQueued must be a non-negative integer`);
  const logger = options.logger ?? createPinoLogger(`portico-fn:${options.name}`, 'info');
  const nc = await connectNats(options.natsUrl, `portico-fn:${options.name}`, logger);
  const runner = new Runner(nc, options, concurrency, concurrency + maxQueued, logger);
  runner.resume();
  await nc.flush(); // the subscription is live on the server before the caller sends work
  runner.subscribed = true;
  logger.info({ function: options.name, concurrency, maxQueued }, 'Function runner ready');
  return {
    close: () => runner.close(),
    stats: () => runner.stats(),
    status: () => runner.status(),
  };
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

class Runner<TEvent, TResult> {
  private readonly subject: string;
  private readonly identity: FunctionIdentity;
  /** The live subscription; none while the runner is full (paused) or closing. */
  private sub: Subscription | undefined;
  /** Subscriptions given up while full: the server may still have sent some invocations on them. */
  private readonly draining = new Set<Promise<void>>();
  private running = 0;
  private readonly waiting: Msg[] = [];
  /** A paused runner subscribes again once it holds this many invocations or fewer. */
  private readonly resumeAt: number;
  /** The answer to an invocation that reaches the runner while it is full. */
  private readonly fullReply: Uint8Array;
  private closing: Promise<void> | undefined;
  private idle: (() => void) | undefined;
  /** Set once the first subscription reached the server. */
  subscribed = false;
  private connected = true;
  private readonly metrics: FunctionMetrics | undefined;
  private readonly untrack: (() => void) | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: FunctionRunnerOptions<TEvent, TResult>,
    private readonly concurrency: number,
    private readonly capacity: number,
    private readonly logger: PinoLogger,
  ) {
    this.subject = functionInvokeSubject(options.name);
    this.identity = {
      functionName: options.name,
      region: options.region ?? 'us-east-1',
      accountId: options.accountId ?? '000000000000',
      memoryLimitInMB: options.memoryLimitInMB ?? 128,
      logStreamName: newLogStreamName(),
    };
    // Hysteresis: resuming at the first free slot would subscribe and unsubscribe once per
    // finished invocation while overloaded, each time bouncing what the server sent meanwhile.
    this.resumeAt = capacity - Math.max(1, Math.floor(capacity / RESUME_FRACTION));
    this.fullReply = serializeReply({
      ok: false,
      error: {
        code: 'Unavailable',
        message: `Function ${options.name} runner is full (${capacity} invocations running or queued)`,
      },
    }).bytes;
    if (options.registry) {
      this.metrics = FunctionMetrics.for(options.registry);
      this.untrack = this.metrics.track(options.name, () => this.stats());
    }
    void this.watchConnection();
  }

  /** nats.js keeps `info` while it reconnects, so the connection state comes from its events. */
  private async watchConnection(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === Events.Disconnect) this.connected = false;
      else if (s.type === Events.Reconnect) this.connected = true;
    }
  }

  status(): FunctionRunnerStatus {
    return {
      natsConnected: this.connected && natsIsReady(this.nc),
      // A full (paused) runner counts as subscribed: it takes work again on its own.
      subscribed: this.subscribed && !this.closing,
    };
  }

  private held(): number {
    return this.running + this.waiting.length;
  }

  /**
   * Joins the queue group when there is room and no live subscription. A plain subscription
   * (no auto-unsubscribe limit): the server never ends it on its own, and nats.js re-sends it
   * as it is after a reconnect.
   */
  resume(): void {
    if (this.sub || this.closing || this.nc.isClosed()) return;
    if (this.held() > this.resumeAt) return;
    this.sub = this.nc.subscribe(this.subject, {
      queue: FUNCTION_QUEUE_GROUP,
      callback: (err, msg) => this.onMessage(err, msg),
    });
  }

  /** Leaves the queue group while full, so the server routes invocations to peers (or no-responders). */
  private pause(): void {
    const sub = this.sub;
    this.sub = undefined;
    if (!sub || sub.isClosed()) return;
    // drain, not unsubscribe(): nats.js forgets an unsubscribed sid at once and silently drops
    // what the server sent before it saw the UNSUB, leaving those callers to time out. drain
    // keeps delivering them to onMessage until the server's PONG proves none is left.
    const drained = sub
      .drain()
      .catch((err: unknown) => this.logger.warn({ err }, 'Subscription drain failed'))
      .finally(() => this.draining.delete(drained));
    this.draining.add(drained);
  }

  private onMessage(err: NatsError | null, msg: Msg): void {
    if (err) {
      this.logger.error({ function: this.options.name, err }, 'Function subscription failed');
      // nats.js closes a subscription the server refused: forget it, so resume() can try again.
      if (this.sub?.isClosed()) this.sub = undefined;
      return;
    }
    if (this.held() >= this.capacity) {
      this.refuse(msg);
      return;
    }
    if (this.running < this.concurrency) this.start(msg);
    else this.waiting.push(msg);
    if (this.held() >= this.capacity) this.pause();
  }

  /**
   * An invocation that reached a full runner (sent before the server processed its unsubscribe)
   * is answered at once: holding it would break the bound, dropping it would leave the caller
   * waiting for its whole timeout. The edge answers 503, as it does for no-responders.
   */
  private refuse(msg: Msg): void {
    this.metrics?.throttled(this.options.name);
    this.logger.debug({ function: this.options.name }, 'Runner full; invocation refused');
    if (!msg.reply) return;
    try {
      msg.respond(this.fullReply);
    } catch (err) {
      this.logger.warn({ function: this.options.name, err }, 'Could not send the refusal');
    }
  }

  private start(msg: Msg): void {
    this.running++;
    void this.handle(msg)
      .catch((err: unknown) => {
        this.logger.error({ function: this.options.name, err }, 'Invocation crashed');
        return undefined;
      })
      .then((done) => {
        this.running--;
        // Before the reply: the SUB then reaches the server ahead of it, so a caller that sends
        // its next request as soon as it has the answer finds this runner in the queue group.
        this.resume();
        // Published, not requested (no msg.reply): nobody waits for the outcome.
        if (done && msg.reply) {
          try {
            msg.respond(done.bytes);
          } catch (err) {
            this.logger.warn({ ...done.log, err }, 'Could not send the invocation reply');
          }
        }
        // After the reply: a synchronous handler starting here would otherwise delay it.
        const next = this.waiting.shift();
        if (next) this.start(next);
        else if (this.running === 0) this.idle?.();
      });
  }

  /** Runs one invocation and gives the reply to send; start() sends it once the slot is free. */
  private async handle(msg: Msg): Promise<{ bytes: Uint8Array; log: Record<string, unknown> }> {
    const awsRequestId = msg.headers?.get(REQUEST_ID_HEADER) || randomUUID();
    const now = Date.now();
    const deadlineHeader = Number(msg.headers?.get(DEADLINE_HEADER));
    // Capped at Lambda's 15 minutes: a timer beyond 2^31 ms would overflow and fire at once.
    const deadline =
      deadlineHeader > 0
        ? Math.min(deadlineHeader, now + MAX_TIMEOUT_MS)
        : now + (this.options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS);
    const log = { function: this.options.name, awsRequestId };
    const started = performance.now();
    const { reply, bytes } = this.fitReply(
      serializeReply(await this.run(msg, awsRequestId, deadline, log)),
    );
    this.metrics?.observe(this.options.name, outcomeOf(reply), performance.now() - started);
    if (!reply.ok) {
      this.logger.warn(
        { ...log, errorType: reply.error.errorType, errorMessage: reply.error.message },
        'Invocation failed',
      );
    }
    return { bytes, log };
  }

  private async run(
    msg: Msg,
    awsRequestId: string,
    deadline: number,
    log: Record<string, unknown>,
  ): Promise<FunctionInvokeReply> {
    if (Date.now() >= deadline) {
      // It waited for a slot past its deadline: the caller has already given up.
      return {
        ok: false,
        error: { code: 'FunctionTimeout', message: 'Invocation expired before it started' },
      };
    }
    let event: TEvent;
    try {
      event = JSON.parse(msg.string()) as TEvent;
    } catch (err) {
      this.logger.warn({ ...log, err }, 'Invocation event is not JSON');
      return {
        ok: false,
        error: {
          code: 'BadRequest',
          message: 'Event is not JSON',
          errorType: 'InvalidRequestContentException',
        },
      };
    }
    const context = createLambdaContext(this.identity, awsRequestId, deadline);
    return invokeHandler(this.options.handler, event, context, deadline);
  }

  /**
   * A result larger than the server takes in one message cannot be sent, and the caller would
   * wait out its whole timeout: it gets a small error reply at once instead (502 at the edge,
   * as Lambda's Function.ResponseSizeTooLarge gives on AWS).
   */
  private fitReply(sent: { reply: FunctionInvokeReply; bytes: Uint8Array }): {
    reply: FunctionInvokeReply;
    bytes: Uint8Array;
  } {
    const limit = this.nc.info?.max_payload;
    const size = sent.bytes.length;
    if (limit === undefined || size <= limit) return sent;
    // Logged with the other failures, by handle().
    return serializeReply({
      ok: false,
      error: {
        code: 'FunctionError',
        message: `Function result of ${size} bytes exceeds the ${limit}-byte message limit`,
        errorType: 'Function.ResponseSizeTooLarge',
      },
    });
  }

  stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.pause();
    // Every subscription drained: the server stops delivering; what it already sent still
    // reaches onMessage, and must be taken before the wait for idle below.
    while (this.draining.size > 0) await Promise.all(this.draining);
    if (this.held() > 0) {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
      });
    }
    if (!this.nc.isClosed()) await this.nc.drain();
    this.untrack?.();
    this.logger.info({ function: this.options.name }, 'Function runner stopped');
  }
}

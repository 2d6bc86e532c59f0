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
const MAX_TIMEOUT_MS = 15 * 60_000;

/**
 * Serves a Lambda handler on `functionInvokeSubject(name)` in the runners' queue group.
 *
 * Back-pressure: the runner never holds more than `concurrency + maxQueued` invocations. It
 * takes them through one queue subscription whose auto-unsubscribe limit (`UNSUB <sid> <max>`,
 * nats.js `unsubscribe(max)`) is kept at "received so far + free slots", so the NATS server
 * itself stops delivering when the runner is full: nothing piles up in client buffers, peers in
 * the queue group get the traffic instead, and with every runner full a caller gets
 * no-responders at once (503) rather than waiting on a queue that only grows. Slots freed by
 * finished invocations raise the limit again (or open a new subscription once the old one ran out).
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
  runner.grant();
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
  private sub: Subscription | undefined;
  private running = 0;
  private readonly waiting: Msg[] = [];
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
      subscribed: this.subscribed && !this.closing,
    };
  }

  /** Lets the server deliver as many invocations as there are free slots. */
  grant(): void {
    if (this.closing || this.nc.isClosed()) return;
    const free = this.capacity - this.running - this.waiting.length;
    if (free <= 0) return;
    if (!this.sub || this.sub.isClosed()) {
      this.sub = this.nc.subscribe(this.subject, {
        queue: FUNCTION_QUEUE_GROUP,
        max: free,
        callback: (err, msg) => this.onMessage(err, msg),
      });
      return;
    }
    const limit = this.sub.getReceived() + free;
    if (limit > (this.sub.getMax() ?? 0)) this.sub.unsubscribe(limit);
  }

  private onMessage(err: NatsError | null, msg: Msg): void {
    if (err) {
      this.logger.error({ function: this.options.name, err }, 'Function subscription failed');
      return;
    }
    if (this.running < this.concurrency) this.start(msg);
    else this.waiting.push(msg);
  }

  private start(msg: Msg): void {
    this.running++;
    void this.handle(msg)
      .catch((err: unknown) =>
        this.logger.error({ function: this.options.name, err }, 'Invocation crashed'),
      )
      .finally(() => {
        this.running--;
        const next = this.waiting.shift();
        if (next) this.start(next);
        else if (this.running === 0) this.idle?.();
        this.grant();
      });
  }

  private async handle(msg: Msg): Promise<void> {
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
    if (!msg.reply) return; // published, not requested: nobody waits for the outcome
    try {
      msg.respond(bytes);
    } catch (err) {
      this.logger.warn({ ...log, err }, 'Could not send the invocation reply');
    }
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
    if (this.sub && !this.sub.isClosed()) {
      // drain: the server stops delivering; what it already sent still reaches onMessage.
      await this.sub
        .drain()
        .catch((err: unknown) => this.logger.warn({ err }, 'Subscription drain failed'));
    }
    if (this.running > 0 || this.waiting.length > 0) {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
      });
    }
    if (!this.nc.isClosed()) await this.nc.drain();
    this.untrack?.();
    this.logger.info({ function: this.options.name }, 'Function runner stopped');
  }
}

import { DEADLINE_HEADER, functionInvokeSubject, REQUEST_ID_HEADER } from '@portico/contracts';
import { startInfra, type TestInfra } from '@portico/testing';
import { connect, headers, type NatsConnection } from 'nats';
import pino from 'pino';
import { startFunctionRunner, type FunctionRunner } from '../function-runner';
import type { LambdaHandler } from '../lambda.types';

export interface Reply {
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; errorType?: string };
}

export interface RunnerHarness {
  natsUrl(): string;
  /** A caller's connection, as the edge has. */
  nc(): NatsConnection;
  /** A runner closed after the test. */
  start(
    name: string,
    handler: LambdaHandler,
    extra?: { concurrency?: number; maxQueued?: number },
  ): Promise<FunctionRunner>;
  /** One invocation as the edge sends it: request id and deadline in headers. */
  invoke(
    name: string,
    event: unknown,
    opts?: { requestId?: string; budgetMs?: number },
  ): Promise<Reply>;
}

/** Real NATS for the suite, runners closed after each test. Call inside a describe. */
export function useRunnerHarness(): RunnerHarness {
  let infra: TestInfra;
  let nc: NatsConnection;
  const runners: FunctionRunner[] = [];
  const silent = pino({ level: 'silent' });

  beforeAll(async () => {
    infra = await startInfra();
    nc = await connect({ servers: infra.natsUrl });
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    await nc.close();
    await infra.stop();
  });

  return {
    natsUrl: () => infra.natsUrl,
    nc: () => nc,
    async start(name, handler, extra = {}) {
      const runner = await startFunctionRunner({
        natsUrl: infra.natsUrl,
        name,
        handler,
        logger: silent,
        ...extra,
      });
      runners.push(runner);
      return runner;
    },
    async invoke(name, event, opts = {}) {
      const h = headers();
      if (opts.requestId) h.set(REQUEST_ID_HEADER, opts.requestId);
      h.set(DEADLINE_HEADER, String(Date.now() + (opts.budgetMs ?? 10_000)));
      const msg = await nc.request(
        functionInvokeSubject(name),
        Buffer.from(JSON.stringify(event)),
        { timeout: 10_000, headers: h },
      );
      return JSON.parse(msg.string()) as Reply;
    },
  };
}

import { functionInvokeSubject } from '@portico/contracts';
import { eventually } from '@portico/testing';
import { ErrorCode, NatsError } from 'nats';
import pino from 'pino';
import { startFunctionRunner } from './function-runner';
import type { LambdaContext } from './lambda.types';
import { useRunnerHarness } from './testing/runner.fixture';

const silent = pino({ level: 'silent' });

describe('function runner', () => {
  const { start, invoke, ...harness } = useRunnerHarness();

  it('runs an async handler with the event and a Lambda-like context', async () => {
    await start('ctx-fn', async (event: unknown, context: LambdaContext) => ({
      event,
      awsRequestId: context.awsRequestId,
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
      remaining: context.getRemainingTimeInMillis(),
      waits: context.callbackWaitsForEmptyEventLoop,
    }));
    const reply = await invoke(
      'ctx-fn',
      { hello: 'world' },
      { requestId: 'req-123', budgetMs: 5_000 },
    );
    expect(reply.ok).toBe(true);
    const result = reply.result as Record<string, unknown>;
    expect(result).toMatchObject({
      event: { hello: 'world' },
      awsRequestId: 'req-123',
      functionName: 'ctx-fn',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ctx-fn',
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/ctx-fn',
      waits: true,
    });
    expect(result.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(result.remaining).toBeGreaterThan(0);
    expect(result.remaining).toBeLessThanOrEqual(5_000);
  });

  it('runs a callback-style handler', async () => {
    await start('cb-fn', (event: unknown, _context: LambdaContext, callback) => {
      const { fail } = event as { fail?: boolean };
      setImmediate(() =>
        fail
          ? callback(new TypeError('bad input'))
          : callback(null, { statusCode: 200, body: 'cb' }),
      );
    });
    expect(await invoke('cb-fn', {})).toEqual({
      ok: true,
      result: { statusCode: 200, body: 'cb' },
    });
    expect(await invoke('cb-fn', { fail: true })).toEqual({
      ok: false,
      error: { code: 'FunctionError', message: 'bad input', errorType: 'TypeError' },
    });
  });

  it('turns throws, rejections and unserialisable results into FunctionError replies', async () => {
    await start('bad-fn', (event: unknown) => {
      const { mode } = event as { mode: string };
      if (mode === 'throw') throw new RangeError('sync boom');
      if (mode === 'reject') return Promise.reject(new Error('async boom'));
      if (mode === 'cycle') {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        return Promise.resolve(cyclic);
      }
      return 'plain value';
    });
    expect(await invoke('bad-fn', { mode: 'throw' })).toEqual({
      ok: false,
      error: { code: 'FunctionError', message: 'sync boom', errorType: 'RangeError' },
    });
    expect(await invoke('bad-fn', { mode: 'reject' })).toMatchObject({
      ok: false,
      error: { message: 'async boom' },
    });
    expect(await invoke('bad-fn', { mode: 'cycle' })).toMatchObject({
      ok: false,
      error: { code: 'FunctionError', errorType: 'Runtime.MarshalError' },
    });
    expect(await invoke('bad-fn', { mode: 'value' })).toEqual({ ok: true, result: 'plain value' });
  });

  it('ends an invocation at its deadline as timed out', async () => {
    await start('hang-fn', () => new Promise(() => undefined));
    expect(await invoke('hang-fn', {}, { budgetMs: 100 })).toMatchObject({
      ok: false,
      error: { code: 'FunctionTimeout', errorType: 'TimeoutError' },
    });
  });

  it('never runs more invocations at once than its concurrency', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const gates: Array<() => void> = [];
    const runner = await start(
      'bounded-fn',
      async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise<void>((resolve) => gates.push(resolve));
        inFlight--;
        return 'done';
      },
      { concurrency: 3, maxQueued: 3 },
    );
    const replies = Array.from({ length: 6 }, (_, i) => invoke('bounded-fn', { i }));
    // All six are with the runner: three running, three waiting for a slot.
    await eventually(() => expect(runner.stats()).toEqual({ running: 3, queued: 3 }));
    expect(inFlight).toBe(3);
    for (let released = 0; released < 6; released++) {
      await eventually(() => expect(gates.length).toBeGreaterThan(0));
      gates.shift()?.();
    }
    expect((await Promise.all(replies)).every((r) => r.ok && r.result === 'done')).toBe(true);
    expect(maxInFlight).toBe(3);
  });

  it('takes no more than concurrency + maxQueued: beyond that it refuses at once, then the server has no responder', async () => {
    const gates: Array<() => void> = [];
    const runner = await start(
      'full-fn',
      () => new Promise<string>((resolve) => gates.push(() => resolve('ok'))),
      { concurrency: 1, maxQueued: 1 },
    );
    const accepted = [invoke('full-fn', { n: 1 }), invoke('full-fn', { n: 2 })];
    // Sent right behind the first two, the third may reach the runner before the server has
    // seen it leave the queue group: then the runner itself refuses it, as fast.
    const rejected = await invoke('full-fn', { n: 3 }).catch((err: unknown) => err);
    if (rejected instanceof NatsError) expect(rejected.code).toBe(ErrorCode.NoResponders);
    else expect(rejected).toMatchObject({ ok: false, error: { code: 'Unavailable' } });
    // The server routed the first two to the runner before answering the third; the runner may
    // still be reading them off its socket.
    await eventually(() => expect(runner.stats()).toEqual({ running: 1, queued: 1 }));
    // Once its unsubscribe has landed the server answers for it: no responders.
    await eventually(async () => {
      const err = await invoke('full-fn', { n: 0 }).catch((e: unknown) => e);
      expect((err as NatsError).code).toBe(ErrorCode.NoResponders);
    });
    await eventually(() => expect(gates.length).toBe(1));
    gates.shift()?.();
    await eventually(() => expect(gates.length).toBe(1));
    gates.shift()?.();
    expect(await Promise.all(accepted)).toEqual([
      { ok: true, result: 'ok' },
      { ok: true, result: 'ok' },
    ]);
    // Slots came back: the runner takes work again.
    const again = invoke('full-fn', { n: 4 });
    await eventually(() => expect(gates.length).toBe(1));
    gates.shift()?.();
    expect(await again).toEqual({ ok: true, result: 'ok' });
  });

  it('close() stops taking work but finishes and answers what is in flight', async () => {
    const events: string[] = [];
    const gates: Array<() => void> = [];
    const runner = await startFunctionRunner({
      natsUrl: harness.natsUrl(),
      name: 'drain-fn',
      logger: silent,
      handler: async () => {
        events.push('started');
        await new Promise<void>((resolve) => gates.push(resolve));
        events.push('finished');
        return 'late but answered';
      },
    });
    const inFlight = invoke('drain-fn', {});
    await eventually(() => expect(events).toEqual(['started']));
    const closed = runner.close().then(() => events.push('closed'));
    // A probe that slips in before the unsubscribe lands is accepted (and waits like the first);
    // once it lands, the runner is gone from the queue group.
    const probes: Array<Promise<unknown>> = [];
    await eventually(async () => {
      const probe = harness.nc().request(functionInvokeSubject('drain-fn'), Buffer.from('{}'), {
        timeout: 10_000,
      });
      probes.push(probe.catch(() => undefined));
      const err = await Promise.race([
        probe.then(
          () => undefined,
          (e: unknown) => e,
        ),
        new Promise((r) => setTimeout(r, 200)),
      ]);
      expect((err as NatsError | undefined)?.code).toBe(ErrorCode.NoResponders);
    });
    expect(events).not.toContain('closed');
    // Release everything accepted, including a probe whose handler starts a moment later.
    await eventually(() => {
      gates.splice(0).forEach((release) => release());
      expect(events.at(-1)).toBe('closed');
    });
    expect(await inFlight).toEqual({ ok: true, result: 'late but answered' });
    await closed;
    await Promise.all(probes);
    expect(events.filter((e) => e === 'finished')).toHaveLength(
      events.filter((e) => e === 'started').length,
    );
  });

  it('refuses an invalid function name', async () => {
    await expect(
      startFunctionRunner({
        natsUrl: harness.natsUrl(),
        name: 'bad name!',
        handler: async () => 1,
        logger: silent,
      }),
    ).rejects.toThrow(/Invalid function name/);
  });
});

import { eventually } from '@portico/testing';
import type { LambdaContext } from './lambda.types';
import { useRunnerHarness } from './testing/runner.fixture';

/** How invocations end when handlers misbehave: twice, never, too big, with a broken thenable. */
describe('function runner settling', () => {
  const { start, invoke, ...harness } = useRunnerHarness();

  it('settles once when a handler both calls back and returns a promise', async () => {
    await start('both-fn', (event: unknown, _context: LambdaContext, callback) => {
      const { first } = event as { first: 'callback' | 'promise' };
      if (first === 'callback') {
        callback(null, 'from callback');
        return Promise.resolve('from promise');
      }
      setImmediate(() => callback(null, 'from callback'));
      return Promise.resolve('from promise');
    });
    expect(await invoke('both-fn', { first: 'callback' })).toEqual({
      ok: true,
      result: 'from callback',
    });
    expect(await invoke('both-fn', { first: 'promise' })).toEqual({
      ok: true,
      result: 'from promise',
    });
  });

  it('fails an invocation whose returned thenable throws instead of leaving the caller waiting', async () => {
    await start('thenable-fn', () => ({
      then() {
        throw new Error('broken thenable');
      },
    }));
    expect(await invoke('thenable-fn', {})).toMatchObject({
      ok: false,
      error: { code: 'FunctionError', message: 'broken thenable' },
    });
  });

  it('answers at once with an error when the result is too large for one message', async () => {
    const limit = harness.nc().info?.max_payload ?? 1024 * 1024;
    await start('huge-fn', async () => ({ statusCode: 200, body: 'x'.repeat(limit + 1) }));
    // Within the 10 s request timeout only a reply (not a timeout) can produce this.
    expect(await invoke('huge-fn', {})).toMatchObject({
      ok: false,
      error: { code: 'FunctionError', errorType: 'Function.ResponseSizeTooLarge' },
    });
  });

  it('close() waits for a handler that never settles only until its deadline', async () => {
    const runner = await start('stuck-fn', () => new Promise(() => undefined));
    const reply = invoke('stuck-fn', {}, { budgetMs: 300 });
    await eventually(() => expect(runner.stats().running).toBe(1));
    await runner.close();
    expect(await reply).toMatchObject({ ok: false, error: { code: 'FunctionTimeout' } });
    expect(runner.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('takes a far-off deadline as a long budget, not as an overflowing timer', async () => {
    await start('patient-fn', async (_event: unknown, context: LambdaContext) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return context.getRemainingTimeInMillis() > 60_000;
    });
    // About 300 years: setTimeout would fire at once for this, timing the invocation out.
    expect(await invoke('patient-fn', {}, { budgetMs: 10_000_000_000_000 })).toEqual({
      ok: true,
      result: true,
    });
  });
});

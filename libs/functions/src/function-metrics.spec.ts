import { Registry } from 'prom-client';
import { FunctionMetrics, outcomeOf } from './function-metrics';

describe('function metrics', () => {
  it('labels each kind of reply with its outcome', () => {
    expect(outcomeOf({ ok: true, result: null })).toBe('ok');
    expect(outcomeOf({ ok: false, error: { code: 'FunctionError', message: 'x' } })).toBe('error');
    expect(outcomeOf({ ok: false, error: { code: 'FunctionTimeout', message: 'x' } })).toBe(
      'timeout',
    );
    expect(outcomeOf({ ok: false, error: { code: 'BadRequest', message: 'x' } })).toBe(
      'invalid_event',
    );
    expect(
      outcomeOf({
        ok: false,
        error: { code: 'FunctionError', message: 'x', errorType: 'Function.ResponseSizeTooLarge' },
      }),
    ).toBe('too_large');
  });

  it('registers once per registry and adds up runners of one function', async () => {
    const registry = new Registry();
    const metrics = FunctionMetrics.for(registry);
    expect(FunctionMetrics.for(registry)).toBe(metrics);
    const untrackA = metrics.track('shared', () => ({ running: 2, queued: 1 }));
    metrics.track('shared', () => ({ running: 3, queued: 0 }));
    metrics.track('other', () => ({ running: 1, queued: 4 }));
    const read = async (name: string, fn: string): Promise<number | undefined> =>
      (await registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels.function === fn)
        ?.value;
    expect(await read('portico_function_in_flight', 'shared')).toBe(5);
    expect(await read('portico_function_queued', 'shared')).toBe(1);
    expect(await read('portico_function_queued', 'other')).toBe(4);
    untrackA();
    expect(await read('portico_function_in_flight', 'shared')).toBe(3);
  });

  it('counts a refused invocation as throttled, without a duration', async () => {
    const registry = new Registry();
    const metrics = FunctionMetrics.for(registry);
    metrics.throttled('busy');
    metrics.throttled('busy');
    const invocations = await registry.getSingleMetric('portico_function_invocations_total')?.get();
    expect(invocations?.values).toEqual([
      { value: 2, labels: { function: 'busy', outcome: 'throttled' } },
    ]);
    const durations = await registry.getSingleMetric('portico_function_duration_ms')?.get();
    expect(durations?.values.filter((v) => v.labels.function === 'busy')).toEqual([]);
  });
});

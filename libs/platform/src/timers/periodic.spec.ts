import { runPeriodically } from './periodic';

describe('runPeriodically', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('skips a run while the previous one is still going, and stops when told', async () => {
    let started = 0;
    let finish: () => void = () => undefined;
    const stop = runPeriodically(
      100,
      () => {
        started++;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      () => undefined,
    );
    await jest.advanceTimersByTimeAsync(350);
    expect(started).toBe(1);
    finish();
    await jest.advanceTimersByTimeAsync(100);
    expect(started).toBe(2);
    stop();
    finish();
    await jest.advanceTimersByTimeAsync(500);
    expect(started).toBe(2);
  });

  it('reports a failed run and runs again at the next interval; runs at once when asked', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const stop = runPeriodically(
      100,
      () => {
        runs++;
        return Promise.reject(new Error(`run ${runs}`));
      },
      (err) => errors.push(err),
      { immediately: true },
    );
    await jest.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(100);
    expect(runs).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['run 1', 'run 2']);
    stop();
  });
});

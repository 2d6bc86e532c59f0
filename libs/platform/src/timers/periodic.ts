/**
 * Runs `task` every `intervalMs` (the first run `intervalMs` from now, or at once with
 * `immediately`), never two runs at once: a run still going when the next is due makes that one
 * skip. A rejected run goes to `onError`; the next run tries again. The timer does not keep the
 * process alive. Returns the function that stops it.
 */
export function runPeriodically(
  intervalMs: number,
  task: () => Promise<void>,
  onError: (err: unknown) => void,
  opts: { immediately?: boolean } = {},
): () => void {
  let running = false;
  const run = (): void => {
    if (running) return;
    running = true;
    task()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  if (opts.immediately) run();
  return () => clearInterval(timer);
}

/**
 * Retries an assertion until it passes or a generous bound runs out. For effects that arrive
 * asynchronously (events, reloads); it asserts an outcome, never a duration.
 */
export async function eventually(
  assertion: () => Promise<void> | void,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

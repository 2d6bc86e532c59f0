import type { Logger as PinoLogger } from 'pino';

/**
 * Keeps a runner alive through what a handler leaves behind: a promise rejected with nobody
 * awaiting it, or a throw from a timer callback. By default Node ends the process for either,
 * and every invocation in flight (from every caller) would fail with it; the stray error is
 * logged instead. It cannot be tied to one invocation, and that invocation still ends by its
 * own promise, callback or deadline. Returns a function that removes the guards.
 */
export function installProcessGuards(
  logger: Pick<PinoLogger, 'error'>,
  target: Pick<NodeJS.Process, 'on' | 'off'> = process,
): () => void {
  const onRejection = (reason: unknown): void =>
    logger.error({ err: reason }, 'Unhandled promise rejection in a handler; still serving');
  const onException = (err: Error, origin: string): void =>
    logger.error({ err, origin }, 'Uncaught exception in a handler; still serving');
  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return () => {
    target.off('unhandledRejection', onRejection);
    target.off('uncaughtException', onException);
  };
}

import pino, { type Logger as PinoLogger } from 'pino';
import { LineBatch } from './line-batch';

/** Header and field names whose values never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  '*.password',
  '*.secret',
];

/** Lines are collected until this many characters (or the flush interval): see LineBatch. */
const LOG_BATCH_BYTES = 16 * 1024;
/** The longest a line waits in the batch when traffic is light. */
const LOG_FLUSH_INTERVAL_MS = 200;

/**
 * pino's isoTime formats a Date for every line; at thousands of access-log lines a second the
 * same millisecond comes round many times, so its text is kept until the clock moves on.
 */
function isoTimeCached(): () => string {
  let lastMs = -1;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      text = `,"time":"${new Date(now).toISOString()}"`;
    }
    return text;
  };
}

const pendingAtExit = new Set<LineBatch>();

/** One exit hook for every logger of the process (tests create many). */
function flushOnExit(batch: LineBatch): void {
  if (pendingAtExit.size === 0) {
    process.once('exit', () => {
      for (const batch of pendingAtExit) batch.flushSync();
    });
  }
  pendingAtExit.add(batch);
}

/**
 * Asynchronous stdout, so a slow log consumer (a pipe, a container log driver) never blocks
 * the event loop that serves requests, with lines batched (see LineBatch). What is collected is
 * written out synchronously when the process exits.
 */
export function createPinoLogger(service: string, level: string): PinoLogger {
  const batch = new LineBatch(
    pino.destination({ dest: 1, sync: false }),
    LOG_BATCH_BYTES,
    LOG_FLUSH_INTERVAL_MS,
  );
  flushOnExit(batch);
  return pino(
    {
      name: service,
      level,
      base: { service },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: isoTimeCached(),
    },
    batch,
  );
}

export type { PinoLogger };

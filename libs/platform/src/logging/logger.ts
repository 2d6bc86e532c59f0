import pino, { type Logger as PinoLogger } from 'pino';

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

/**
 * Lines are collected until this many bytes (or the flush interval) and written together: a
 * write per line, through libuv's thread pool, cost more CPU than the request it logged.
 */
const LOG_BATCH_BYTES = 8 * 1024;
/** The longest a line waits in the batch when traffic is light. */
const LOG_FLUSH_INTERVAL_MS = 200;

/**
 * Asynchronous stdout, so a slow log consumer (a pipe, a container log driver) never blocks
 * the event loop that serves requests. Lines are batched (see LOG_BATCH_BYTES); pino flushes
 * what is buffered when the process exits.
 */
export function createPinoLogger(service: string, level: string): PinoLogger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({
      dest: 1,
      sync: false,
      minLength: LOG_BATCH_BYTES,
      periodicFlush: LOG_FLUSH_INTERVAL_MS,
    }),
  );
}

export type { PinoLogger };

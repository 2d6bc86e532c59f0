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
 * Asynchronous stdout, so a slow log consumer (a pipe, a container log driver) never blocks
 * the event loop that serves requests. Lines written while a write is in flight are batched
 * into the next one; pino flushes what is buffered when the process exits.
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
    pino.destination({ dest: 1, sync: false }),
  );
}

export type { PinoLogger };

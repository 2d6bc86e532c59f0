import { Writable } from 'node:stream';
import pino, { type LoggerOptions } from 'pino';
import { AccessLog, type AccessLogSource } from './access-log';

/** An AccessLog over a service logger with these options, and the JSON lines it wrote. */
function capture(options: LoggerOptions = { level: 'info' }) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: new AccessLog(pino(options, sink)), lines };
}

const entry: AccessLogSource = {
  requestId: 'r-1',
  sourceIp: '203.0.113.7',
  requestTimeEpoch: Date.UTC(2026, 10, 22, 8, 4, 5),
  httpMethod: 'GET',
  resourcePath: '/pets/{id}',
  fullPath: '/prod/pets/1',
  status: 200,
  protocol: 'HTTP/1.1',
  responseLength: 42,
  latencyMs: 3.6,
  integrationLatencyMs: 1.2,
  apiId: 'abc',
  stage: 'prod',
};

describe('AccessLog', () => {
  it('writes one JSON line with API Gateway $context-like fields', () => {
    const { log, lines } = capture();
    log.write(entry);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      log: 'access',
      msg: 'request',
      requestId: 'r-1',
      ip: '203.0.113.7',
      requestTime: '22/Nov/2026:08:04:05 +0000',
      httpMethod: 'GET',
      resourcePath: '/pets/{id}',
      path: '/prod/pets/1',
      status: 200,
      protocol: 'HTTP/1.1',
      responseLength: 42,
      latency: 4,
      integrationLatency: 1,
      apiId: 'abc',
      stage: 'prod',
    });
    expect(lines[0]).not.toHaveProperty('errorMessage');
  });

  it('formats requestTime per line even when lines share a second or cross one', () => {
    const { log, lines } = capture();
    const base = entry.requestTimeEpoch;
    for (const t of [base, base + 999, base + 1000, base - 1]) {
      log.write({ ...entry, requestTimeEpoch: t });
    }
    expect(lines.map((l) => l['requestTime'])).toEqual([
      '22/Nov/2026:08:04:05 +0000',
      '22/Nov/2026:08:04:05 +0000',
      '22/Nov/2026:08:04:06 +0000',
      '22/Nov/2026:08:04:04 +0000',
    ]);
  });

  it("writes access fields as they are: the service logger's redaction is not paid per line", () => {
    const { log, lines } = capture({ level: 'info', redact: { paths: ['*.secret', 'stage'] } });
    log.write(entry);
    expect(lines[0]).toMatchObject({ stage: 'prod' });
  });

  it('costs nothing when info is off', () => {
    const { log, lines } = capture({ level: 'warn' });
    log.write(entry);
    expect(lines).toEqual([]);
  });
});

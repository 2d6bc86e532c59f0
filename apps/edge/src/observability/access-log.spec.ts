import { Writable } from 'node:stream';
import pino from 'pino';
import { AccessLog } from './access-log';

describe('AccessLog', () => {
  it('writes one JSON line with API Gateway $context-like fields', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = new AccessLog(pino({ level: 'info' }, sink));
    log.write({
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
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
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
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('errorMessage');
  });
});

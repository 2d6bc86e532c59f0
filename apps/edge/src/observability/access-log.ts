import { Inject, Injectable } from '@nestjs/common';
import { PINO_LOGGER, type PinoLogger } from '@portico/platform';
import { formatRequestTime } from '../integrations/mapping/request-time';

/** What an access-log line is made of (the request pipeline's per-request state has it all). */
export interface AccessLogSource {
  requestId: string;
  sourceIp: string;
  requestTimeEpoch: number;
  httpMethod: string;
  resourcePath: string;
  /** `$context.path`: the path with the stage or base path. */
  fullPath: string;
  status: number;
  protocol: string;
  responseLength: number;
  latencyMs: number;
  integrationLatencyMs?: number;
  apiId: string;
  stage: string;
  errorMessage?: string;
}

/**
 * Writes the access log straight through pino (not Nest's logger): one JSON line per request,
 * after its response, at info level under `log: "access"`. pino's destination writes
 * asynchronously, so the line costs serialisation only, not I/O on the request path.
 */
@Injectable()
export class AccessLog {
  private readonly log: PinoLogger;
  /** `requestTime` has a resolution of a second: formatted once per second, not per line. */
  private timeSecond = -1;
  private timeText = '';

  constructor(@Inject(PINO_LOGGER) logger: PinoLogger) {
    // The fields are fixed and hold no secrets (the path is logged without its query), so the
    // service logger's redaction, a good part of the cost of a line, is switched off here.
    this.log = logger.child({ log: 'access' }, { redact: [] });
  }

  write(e: AccessLogSource): void {
    // Checked first so a quieter log level costs nothing per request.
    if (!this.log.isLevelEnabled('info')) return;
    this.log.info(
      {
        requestId: e.requestId,
        ip: e.sourceIp,
        requestTime: this.requestTime(e.requestTimeEpoch),
        requestTimeEpoch: e.requestTimeEpoch,
        httpMethod: e.httpMethod,
        resourcePath: e.resourcePath,
        path: e.fullPath,
        status: e.status,
        protocol: e.protocol,
        responseLength: e.responseLength,
        latency: Math.round(e.latencyMs),
        integrationLatency:
          e.integrationLatencyMs === undefined ? undefined : Math.round(e.integrationLatencyMs),
        apiId: e.apiId,
        stage: e.stage,
        errorMessage: e.errorMessage,
      },
      'request',
    );
  }

  private requestTime(epochMs: number): string {
    const second = Math.floor(epochMs / 1000);
    if (second !== this.timeSecond) {
      this.timeSecond = second;
      this.timeText = formatRequestTime(epochMs);
    }
    return this.timeText;
  }
}

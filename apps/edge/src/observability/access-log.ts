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
 * after its response, at info level under `log: "access"`.
 */
@Injectable()
export class AccessLog {
  private readonly log: PinoLogger;

  constructor(@Inject(PINO_LOGGER) logger: PinoLogger) {
    this.log = logger.child({ log: 'access' });
  }

  write(e: AccessLogSource): void {
    // Checked first so a quieter log level costs nothing per request.
    if (!this.log.isLevelEnabled('info')) return;
    this.log.info(
      {
        requestId: e.requestId,
        ip: e.sourceIp,
        requestTime: formatRequestTime(e.requestTimeEpoch),
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
}

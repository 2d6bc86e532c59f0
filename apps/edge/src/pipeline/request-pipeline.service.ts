import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { HealthService, PINO_LOGGER, type PinoLogger } from '@portico/platform';
import { AccessControl } from '../auth/access-control';
import { EDGE_CONFIG, type EdgeConfig } from '../config';
import {
  IntegrationFailure,
  INVOKER,
  type InvocationResponse,
  type Invoker,
  PayloadTooLargeError,
} from '../integrations';
import { AccessLog } from '../observability/access-log';
import { EdgeMetrics } from '../observability/edge-metrics';
import { GatewayError, internalError } from '../responses/gateway-error';
import { GatewayResponses } from '../responses/gateway-responses';
import type { CompiledStage } from '../stages/compiled-stage';
import { StageRegistry } from '../stages/stage-registry.service';
import { ConnectionsEndpoint } from '../websocket/connections-endpoint';
import { EdgeRequest, type RequestSettings, requestSettings } from './edge-request';
import { locateRequest } from './locate-request';
import { discardRestOfBody } from './request-body';
import {
  ResponseStreamError,
  writeGatewayResponse,
  writeInvocationResponse,
} from './response-writer';

/**
 * The REST data plane, from raw request to response: normalise the path, resolve the stage
 * (three invocation forms), check the body size, route, run the method's authorizer and check
 * its API key where it has them, invoke the integration, answer. All of it comes from the in-memory compiled
 * stages and caches: no NATS or Redis round trip per warm request. Every
 * failure becomes a gateway response with a request id; nothing escapes as an exception.
 */
@Injectable()
export class RequestPipeline {
  private readonly settings: RequestSettings;
  private readonly executeApiSuffix: string;
  private readonly maxBodyBytes: number;

  constructor(
    @Inject(EDGE_CONFIG) config: EdgeConfig,
    private readonly stages: StageRegistry,
    @Inject(INVOKER) private readonly invoker: Invoker,
    private readonly metrics: EdgeMetrics,
    private readonly accessLog: AccessLog,
    private readonly health: HealthService,
    @Inject(PINO_LOGGER) private readonly logger: PinoLogger,
    private readonly connections: ConnectionsEndpoint,
    private readonly access: AccessControl,
  ) {
    this.maxBodyBytes = config.MAX_BODY_BYTES;
    this.executeApiSuffix = `.execute-api.${config.PORTICO_DOMAIN}`;
    this.settings = requestSettings(config);
  }

  /** Takes over one request; never throws. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const r = this.begin(req, res);
    this.process(r, res).catch((err: unknown) => this.fail(r, res, err));
  }

  private begin(req: IncomingMessage, res: ServerResponse): EdgeRequest {
    const r = new EdgeRequest(req, this.settings, () => {
      if (!res.headersSent && expectsContinue(req)) res.writeContinue();
    });
    res.once('close', () => this.finish(r, res));
    return r;
  }

  private async process(r: EdgeRequest, res: ServerResponse): Promise<void> {
    const located = locateRequest(r, this.stages, this.executeApiSuffix);
    if (located instanceof GatewayError) {
      // Before the first load every API is unknown: say so, rather than Forbidden.
      const error = this.stages.isLoaded ? located : notLoaded(located.message);
      return this.reject(r, res, error);
    }
    const { stage, segments, matchPath } = located;

    const declared = r.raw.headers['content-length'];
    if (declared !== undefined && Number(declared) > this.maxBodyBytes) {
      return this.reject(
        r,
        res,
        GatewayError.of('REQUEST_TOO_LARGE', `Content-Length ${declared} over the limit`),
      );
    }

    if (stage.webSocket) return this.manageConnections(r, res, stage, segments);

    const match = stage.routes.match(r.httpMethod, matchPath, segments);
    if (!match) {
      return this.reject(
        r,
        res,
        GatewayError.of('MISSING_AUTHENTICATION_TOKEN', `No route for ${r.httpMethod} ${r.path}`),
      );
    }
    r.setRoute(match, segments);
    const refused = await this.access.admit(r, stage, match.entry.method);
    if (refused) return this.reject(r, res, refused);

    const started = performance.now();
    let response: InvocationResponse;
    try {
      response = await this.invoker.invoke(match.entry.method.integration, r);
    } catch (err) {
      // A failed call still waited on the backend; a successful one reports its own figure.
      r.integrationLatencyMs = performance.now() - started;
      throw err;
    }
    r.integrationLatencyMs = response.integrationLatencyMs;
    if (r.clientGone || res.destroyed) {
      if (response.body instanceof Readable) response.body.destroy();
      return;
    }
    r.status = response.statusCode;
    for (const [name, value] of r.responseHeaders ?? []) res.setHeader(name, value);
    await writeInvocationResponse(res, response, r.requestId, this.closeAfterResponse(r, res), r);
  }

  /** A WebSocket API stage over HTTP: the @connections and @channels endpoints only. */
  private async manageConnections(
    r: EdgeRequest,
    res: ServerResponse,
    stage: CompiledStage,
    segments: string[],
  ): Promise<void> {
    const refused = await this.access.manageConnections(r, stage);
    if (refused) return this.reject(r, res, refused);
    const answer = await this.connections.handle(r, stage, segments);
    if (!answer) {
      return this.reject(
        r,
        res,
        GatewayError.of('MISSING_AUTHENTICATION_TOKEN', `No route for ${r.httpMethod} ${r.path}`),
      );
    }
    if (r.clientGone || res.destroyed) return;
    r.status = answer.status;
    const headers = ['content-type', 'application/json'];
    if (answer.errorType) headers.push('x-amzn-ErrorType', answer.errorType);
    r.responseLength = writeGatewayResponse(
      res,
      answer.status,
      headers,
      answer.body,
      r.requestId,
      this.closeAfterResponse(r, res),
    );
  }

  /**
   * Called as a response starts. A body still on its way is discarded (within the body limit,
   * else the connection closes: see discardRestOfBody); the connection closes after the response
   * when the edge is draining or the body is known to be over the limit.
   */
  private closeAfterResponse(r: EdgeRequest, res: ServerResponse, tooLarge = false): boolean {
    const close = tooLarge || this.health.isDraining();
    // Closing anyway: whatever still comes is read and dropped until the socket ends.
    if (close) r.raw.resume();
    else discardRestOfBody(r.raw, res, this.maxBodyBytes);
    return close;
  }

  /** Answers with a gateway response: the stage's overrides once the stage is known, else AWS's defaults. */
  private reject(r: EdgeRequest, res: ServerResponse, error: GatewayError): void {
    r.errorMessage = error.message;
    if (res.headersSent || res.destroyed) return;
    const stage = r.compiledStage;
    const rendered = (stage?.responses ?? GatewayResponses.DEFAULTS).render(
      error,
      stage ? r : undefined,
    );
    r.status = rendered.statusCode;
    r.responseLength = writeGatewayResponse(
      res,
      rendered.statusCode,
      rendered.headers,
      rendered.body,
      r.requestId,
      this.closeAfterResponse(r, res, error.responseType === 'REQUEST_TOO_LARGE'),
    );
  }

  private fail(r: EdgeRequest, res: ServerResponse, err: unknown): void {
    try {
      if (err instanceof ResponseStreamError) {
        // The response was under way: all that can be done is to cut it short.
        r.errorMessage = err.message;
        if (err.side === 'upstream') {
          this.logger.warn(
            { requestId: r.requestId, apiId: r.apiId, err: err.message },
            'Response stream failed',
          );
        }
        res.destroy();
        return;
      }
      if (r.clientGone) {
        r.errorMessage ??= `Client went away: ${errorText(err)}`;
        return;
      }
      if (res.headersSent) {
        r.errorMessage = `Response failed after its headers: ${errorText(err)}`;
        this.logger.warn(
          { requestId: r.requestId, err: errorText(err) },
          'Response failed after its headers',
        );
        res.destroy();
        return;
      }
      const known = this.toGatewayError(r, err);
      if (known) {
        this.reject(r, res, known);
        return;
      }
      this.logger.error(
        { requestId: r.requestId, apiId: r.apiId, stage: r.stage, err },
        'Unexpected error in the request pipeline',
      );
      this.reject(r, res, internalError(`Unexpected error: ${errorText(err)}`));
    } catch (fatal) {
      this.logger.error(
        { requestId: r.requestId, err: fatal },
        'Could not answer a failed request',
      );
      res.destroy();
    }
  }

  private toGatewayError(r: EdgeRequest, err: unknown): GatewayError | undefined {
    // Whatever the integration made of it, a body over the limit is a 413.
    if (r.bodyExceeded || err instanceof PayloadTooLargeError) {
      return GatewayError.of('REQUEST_TOO_LARGE', errorText(err));
    }
    if (err instanceof GatewayError) return err;
    if (err instanceof IntegrationFailure) {
      return new GatewayError(err.responseType, err.statusCode, err.clientMessage, err.message);
    }
    return undefined;
  }

  private finish(r: EdgeRequest, res: ServerResponse): void {
    try {
      if (!res.writableFinished) {
        r.markClientGone();
        // The client left, or the response was cut short (the error log says which).
        r.errorMessage ??= 'Connection closed before the response was complete';
      }
      r.latencyMs = performance.now() - r.startedAt;
      // Draining: a keep-alive connection whose response began before the drain would otherwise
      // hold the server open until its idle timeout.
      if (this.health.isDraining() && !r.raw.socket.destroyed) r.raw.socket.end();
      this.metrics.observe(r);
      this.accessLog.write(r);
    } catch (err) {
      this.logger.error({ requestId: r.requestId, err }, 'Could not record a finished request');
    }
  }
}

/** Node hands such requests over without answering them (see DataPlane): the body waits for us. */
function expectsContinue(req: IncomingMessage): boolean {
  const expect = req.headers.expect;
  return expect !== undefined && expect.toLowerCase() === '100-continue';
}

/** The stages have never loaded (Redis unreachable since start): no API is known yet. */
function notLoaded(detail: string): GatewayError {
  return new GatewayError(
    'DEFAULT_5XX',
    503,
    'Service Unavailable',
    `stages not loaded: ${detail}`,
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

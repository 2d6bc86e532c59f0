import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { HealthService, PINO_LOGGER, type PinoLogger } from '@portico/platform';
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
import { badRequest, forbidden, GatewayError, internalError } from '../responses/gateway-error';
import { GatewayResponses } from '../responses/gateway-responses';
import { domainPrefixOf, normalizeHost, resolveTarget } from '../routing/invocation-target';
import {
  BadPathError,
  joinPath,
  resolveDotSegments,
  type SplitPath,
  splitPath,
  splitTarget,
} from '../routing/path-normalizer';
import { StageRegistry } from '../stages/stage-registry.service';
import { EdgeRequest, type RequestSettings } from './edge-request';
import { TrustedProxies } from './forwarded-headers';
import {
  ResponseStreamError,
  writeGatewayResponse,
  writeInvocationResponse,
} from './response-writer';

/**
 * The REST data plane, from raw request to response: normalise the path, resolve the stage
 * (three invocation forms), check the body size, route, invoke the integration, answer. All of
 * it comes from the in-memory compiled stages: no NATS or Redis round trip per request. Every
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
  ) {
    this.maxBodyBytes = config.MAX_BODY_BYTES;
    this.executeApiSuffix = `.execute-api.${config.PORTICO_DOMAIN}`;
    this.settings = {
      proxies: new TrustedProxies(config.TRUSTED_PROXIES),
      maxBodyBytes: config.MAX_BODY_BYTES,
      accountId: config.PORTICO_ACCOUNT_ID,
    };
  }

  /** Takes over one request; never throws. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const r = this.begin(req, res);
    this.process(r, res).catch((err: unknown) => this.fail(r, res, err));
  }

  /** Fastify refused the request before the handler ran (an unparseable Content-Type, …). */
  handleFrameworkError(
    err: Error & { code?: string; statusCode?: number },
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const r = this.begin(req, res);
    const status = err.statusCode ?? 500;
    const error =
      err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? GatewayError.of('UNSUPPORTED_MEDIA_TYPE', err.message)
        : status >= 400 && status < 500
          ? new GatewayError(
              'DEFAULT_4XX',
              status,
              'Bad Request',
              `${err.code ?? 'error'}: ${err.message}`,
            )
          : internalError(`${err.code ?? 'error'}: ${err.message}`);
    if (error.statusCode >= 500)
      this.logger.error({ requestId: r.requestId, err }, 'Request failed before the pipeline');
    this.reject(r, res, error, true);
  }

  private begin(req: IncomingMessage, res: ServerResponse): EdgeRequest {
    const r = new EdgeRequest(req, this.settings);
    res.once('close', () => this.finish(r, res));
    return r;
  }

  private async process(r: EdgeRequest, res: ServerResponse): Promise<void> {
    const req = r.raw;
    let split: SplitPath;
    try {
      const { rawPath, rawQuery } = splitTarget(r.target);
      r.fullPath = rawPath;
      r.rawQuery = rawQuery;
      split = splitPath(rawPath);
    } catch (err) {
      if (err instanceof BadPathError) return this.reject(r, res, badRequest(err.message));
      throw err;
    }

    const host = normalizeHost(req.headers.host);
    r.domainName = host;
    r.domainPrefix = domainPrefixOf(host);
    const target = resolveTarget(host, split.segments, this.stages, this.executeApiSuffix);
    if (typeof target === 'string') return this.reject(r, res, forbidden(target));
    const stage = target.stage;
    r.compiledStage = stage;
    r.apiId = stage.apiId;
    r.stage = stage.stageName;
    r.stageVariables = stage.variables;
    r.binaryMediaTypes = stage.binaryMediaTypes as string[];

    const rest = resolveDotSegments(split.segments, target.offset);
    const matchPath = joinPath(rest);
    r.path = split.trailingSlash && rest.length > 0 ? matchPath + '/' : matchPath;
    r.fullPath = target.fullPathPrefix + r.path;

    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > this.maxBodyBytes) {
      return this.reject(
        r,
        res,
        GatewayError.of('REQUEST_TOO_LARGE', `Content-Length ${declared} over the limit`),
        true,
      );
    }

    const match = stage.routes.match(r.httpMethod, matchPath, rest);
    if (!match) {
      return this.reject(
        r,
        res,
        GatewayError.of('MISSING_AUTHENTICATION_TOKEN', `No route for ${r.httpMethod} ${r.path}`),
      );
    }
    const { entry } = match;
    r.route = entry;
    r.resourcePath = entry.resourcePath;
    r.resourceId = entry.resourceId;
    r.pathParameters = match.pathParameters;

    const started = performance.now();
    let response: InvocationResponse;
    try {
      response = await this.invoker.invoke(entry.method.integration, r);
    } finally {
      // A failed call still waited on the backend; a successful one reports its own figure.
      r.integrationLatencyMs = performance.now() - started;
    }
    r.integrationLatencyMs = response.integrationLatencyMs;
    if (r.clientGone || res.destroyed) {
      if (response.body instanceof Readable) response.body.destroy();
      return;
    }
    r.status = response.statusCode;
    await writeInvocationResponse(res, response, r.requestId, this.health.isDraining(), r);
  }

  /** Answers with a gateway response: the stage's overrides once the stage is known, else AWS's defaults. */
  private reject(
    r: EdgeRequest,
    res: ServerResponse,
    error: GatewayError,
    closeConnection = false,
  ): void {
    r.errorMessage = error.message;
    if (res.headersSent || res.destroyed) return;
    const stage = r.compiledStage;
    const rendered = (stage?.responses ?? GatewayResponses.DEFAULTS).render(
      error,
      stage ? r : undefined,
    );
    if (rendered.renderError) {
      this.logger.warn(
        {
          requestId: r.requestId,
          apiId: r.apiId,
          responseType: error.responseType,
          err: rendered.renderError,
        },
        'Gateway response template failed; sent the default body',
      );
    }
    r.status = rendered.statusCode;
    // A body we will not read any further is discarded while the answer goes out.
    if (closeConnection) r.raw.resume();
    r.responseLength = writeGatewayResponse(
      res,
      rendered.statusCode,
      rendered.headers,
      rendered.body,
      r.requestId,
      closeConnection || this.health.isDraining(),
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
        this.reject(r, res, known, known.responseType === 'REQUEST_TOO_LARGE');
        return;
      }
      this.logger.error(
        { requestId: r.requestId, apiId: r.apiId, stage: r.stage, err },
        'Unexpected error in the request pipeline',
      );
      this.reject(r, res, internalError(`Unexpected error: ${errorText(err)}`), true);
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

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

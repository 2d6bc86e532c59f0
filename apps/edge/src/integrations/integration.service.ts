import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Integration } from '@portico/definitions';
import { METRICS_REGISTRY, NATS_CONNECTION, PINO_LOGGER } from '@portico/platform';
import type { Logger as PinoLogger } from 'pino';
import type { NatsConnection } from 'nats';
import { Counter, type Registry } from 'prom-client';
import { FunctionIntegration } from './function/function.integration';
import { HttpIntegration } from './http/http.integration';
import { HttpProxyIntegration } from './http/http-proxy.integration';
import { UpstreamClient } from './http/upstream-client';
import { configurationError, integrationError } from './integration-errors';
import {
  IntegrationFailure,
  PayloadTooLargeError,
  type InvocationRequest,
  type InvocationResponse,
  type Invoker,
} from './integration.types';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  INTEGRATIONS_OPTIONS,
  type IntegrationsOptions,
} from './integrations.constants';
import { MockIntegration } from './mock/mock.integration';

const FAILURES_METRIC = 'portico_integration_failures_total';

/** Dispatches a matched method's integration by type; every failure leaves as an IntegrationFailure. */
@Injectable()
export class IntegrationService implements Invoker, OnApplicationShutdown {
  private readonly upstream: UpstreamClient;
  private readonly httpProxy: HttpProxyIntegration;
  private readonly http: HttpIntegration;
  private readonly mock: MockIntegration;
  private readonly fn: FunctionIntegration;
  private readonly failures: Counter<'type' | 'response_type'>;

  constructor(
    @Inject(INTEGRATIONS_OPTIONS) options: IntegrationsOptions,
    @Inject(NATS_CONNECTION) nc: NatsConnection | null,
    @Inject(PINO_LOGGER) private readonly logger: PinoLogger,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    // The edge's configured account stands in when the pipeline has none for a request.
    const accountId = options.accountId;
    this.upstream = new UpstreamClient(options.upstream);
    this.httpProxy = new HttpProxyIntegration(this.upstream, maxResponseBytes, accountId);
    this.http = new HttpIntegration(this.upstream, maxResponseBytes, accountId);
    this.mock = new MockIntegration(accountId);
    this.fn = new FunctionIntegration(nc, logger, accountId);
    const existing = registry.getSingleMetric(FAILURES_METRIC) as
      Counter<'type' | 'response_type'> | undefined;
    this.failures =
      existing ??
      new Counter({
        name: FAILURES_METRIC,
        help: 'Integration calls that ended in a gateway error, by integration type and gateway response type',
        labelNames: ['type', 'response_type'],
        registers: [registry],
      });
  }

  /**
   * The request is passed on as it is, never copied: the pipeline's request object computes
   * headers, body and signal lazily on its prototype, which a spread copy would lose.
   */
  async invoke(integration: Integration, req: InvocationRequest): Promise<InvocationResponse> {
    try {
      switch (integration.type) {
        case 'HTTP_PROXY':
          return await this.httpProxy.invoke(integration, req);
        case 'HTTP':
          return await this.http.invoke(integration, req);
        case 'MOCK':
          return await this.mock.invoke(integration, req);
        case 'AWS_PROXY':
          return await this.fn.invoke(integration, req);
        default:
          throw configurationError(
            `Unsupported integration type ${String((integration as { type: unknown }).type)}`,
          );
      }
    } catch (err) {
      if (err instanceof PayloadTooLargeError) throw err;
      const failure = err instanceof IntegrationFailure ? err : integrationError(errorText(err));
      this.failures.inc({ type: integration.type, response_type: failure.responseType });
      this.logger.warn(
        {
          requestId: req.requestId,
          integrationType: integration.type,
          responseType: failure.responseType,
          status: failure.statusCode,
          detail: failure.message,
        },
        'Integration failed',
      );
      throw failure;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.upstream.close();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

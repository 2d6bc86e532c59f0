import { Inject, Injectable } from '@nestjs/common';
import { HTTP_METHODS } from '@portico/definitions';
import { METRICS_REGISTRY } from '@portico/platform';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { RouteEntry } from '../routing/route-table';

type Label = 'api_id' | 'stage' | 'resource' | 'method';
const LABELS: Label[] = ['api_id', 'stage', 'resource', 'method'];
const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 29000];

interface Bound {
  count: { inc(): void };
  errors4xx: { inc(): void };
  errors5xx: { inc(): void };
  latency: { observe(v: number): void };
  integrationLatency: { observe(v: number): void };
}

export interface RequestOutcome {
  apiId: string;
  stage: string;
  route?: RouteEntry;
  httpMethod: string;
  status: number;
  latencyMs: number;
  integrationLatencyMs?: number;
}

/**
 * API Gateway's CloudWatch metrics (Count, 4XXError, 5XXError, Latency, IntegrationLatency) as
 * Prometheus series by API, stage, resource and method. Labels stay bounded: the resource is
 * the template (never the raw path), and the API and stage are only named once they resolved
 * to a deployed stage; anything else is counted with empty labels.
 */
@Injectable()
export class EdgeMetrics {
  private readonly count: Counter<Label>;
  private readonly errors4xx: Counter<Label>;
  private readonly errors5xx: Counter<Label>;
  private readonly latency: Histogram<Label>;
  private readonly integrationLatency: Histogram<Label>;
  /** Children bound per compiled route, so the hot path skips label hashing. */
  private readonly bound = new WeakMap<RouteEntry, Bound>();

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.count = new Counter({
      name: 'portico_count',
      help: 'Requests (API Gateway Count)',
      labelNames: LABELS,
      registers,
    });
    this.errors4xx = new Counter({
      name: 'portico_4xx_error',
      help: 'Requests answered with a 4xx status (API Gateway 4XXError)',
      labelNames: LABELS,
      registers,
    });
    this.errors5xx = new Counter({
      name: 'portico_5xx_error',
      help: 'Requests answered with a 5xx status (API Gateway 5XXError)',
      labelNames: LABELS,
      registers,
    });
    this.latency = new Histogram({
      name: 'portico_latency_ms',
      help: 'Time from receiving a request to the end of its response, in ms (API Gateway Latency)',
      labelNames: LABELS,
      buckets: LATENCY_BUCKETS_MS,
      registers,
    });
    this.integrationLatency = new Histogram({
      name: 'portico_integration_latency_ms',
      help: 'Time spent waiting on the integration, in ms (API Gateway IntegrationLatency)',
      labelNames: LABELS,
      buckets: LATENCY_BUCKETS_MS,
      registers,
    });
  }

  observe(o: RequestOutcome): void {
    const m = o.route ? this.forRoute(o) : this.forLabels(this.labels(o, ''));
    m.count.inc();
    if (o.status >= 500) m.errors5xx.inc();
    else if (o.status >= 400) m.errors4xx.inc();
    m.latency.observe(o.latencyMs);
    if (o.integrationLatencyMs !== undefined) m.integrationLatency.observe(o.integrationLatencyMs);
  }

  private forRoute(o: RequestOutcome): Bound {
    const route = o.route!;
    let m = this.bound.get(route);
    if (!m) {
      m = this.forLabels(this.labels(o, route.resourcePath));
      this.bound.set(route, m);
    }
    return m;
  }

  private labels(o: RequestOutcome, resource: string): Record<Label, string> {
    const known = (HTTP_METHODS as readonly string[]).includes(o.httpMethod);
    return { api_id: o.apiId, stage: o.stage, resource, method: known ? o.httpMethod : 'OTHER' };
  }

  private forLabels(labels: Record<Label, string>): Bound {
    return {
      count: this.count.labels(labels),
      errors4xx: this.errors4xx.labels(labels),
      errors5xx: this.errors5xx.labels(labels),
      latency: this.latency.labels(labels),
      integrationLatency: this.integrationLatency.labels(labels),
    };
  }
}

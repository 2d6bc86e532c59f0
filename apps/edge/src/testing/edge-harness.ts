import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientProxyFactory, type ClientProxy, Transport } from '@nestjs/microservices';
import {
  CONTROL_DOMAIN_CHANGED,
  CONTROL_STAGE_CHANGED,
  type DomainChangedEvent,
  type StageChangedEvent,
} from '@portico/contracts';
import { DefinitionStore } from '@portico/definitions';
import type { RunningService } from '@portico/platform';
import { freePort, startInfra, type TestInfra } from '@portico/testing';
import Redis from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { bootstrap } from '../bootstrap';
import { seedStandardApis } from './edge-fixtures';

/** Real NATS and Redis, a DefinitionStore writing as control does, and a publisher of its events. */
export interface EdgeHarness {
  infra: TestInfra;
  store: DefinitionStore;
  /** The environment a real edge boots with; every port picked by the OS. */
  env(extra?: Record<string, string>): Record<string, string>;
  startEdge(extra?: Record<string, string>): Promise<RunningService>;
  emitStageChanged(event: StageChangedEvent): Promise<void>;
  emitDomainChanged(event: DomainChangedEvent): Promise<void>;
  close(): Promise<void>;
}

export async function startEdgeHarness(): Promise<EdgeHarness> {
  const infra = await startInfra();
  const redis = new Redis(infra.redisUrl, { lazyConnect: true });
  await redis.connect();
  const store = new DefinitionStore(redis, infra.redisKeyPrefix);
  const publisher: ClientProxy = ClientProxyFactory.create({
    transport: Transport.NATS,
    options: { servers: [infra.natsUrl] },
  });
  await publisher.connect();
  const edges: RunningService[] = [];
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    NATS_URL: infra.natsUrl,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: infra.redisKeyPrefix,
    LOG_LEVEL: 'error',
    EDGE_HOST: '127.0.0.1',
    EDGE_PORT: '0',
    EDGE_OPS_PORT: '0',
    OPS_HOST: '127.0.0.1',
    SHUTDOWN_TIMEOUT_MS: '10000',
    ...extra,
  });
  return {
    infra,
    store,
    env,
    startEdge: async (extra) => {
      const edge = await bootstrap(env(extra));
      edges.push(edge);
      return edge;
    },
    // The way control announces changes: a Nest ClientProxy emit on the contract subject.
    emitStageChanged: (event) =>
      lastValueFrom(publisher.emit(CONTROL_STAGE_CHANGED, event), { defaultValue: undefined }),
    emitDomainChanged: (event) =>
      lastValueFrom(publisher.emit(CONTROL_DOMAIN_CHANGED, event), { defaultValue: undefined }),
    close: async () => {
      await Promise.allSettled(edges.map((e) => e.close()));
      await publisher.close();
      redis.disconnect();
      await infra.stop();
    },
  };
}

/** A harness with the standard APIs (see seedStandardApis) proxying to a recording upstream. */
export interface StandardHarness extends EdgeHarness {
  upstream: Upstream;
}

export async function startStandardHarness(): Promise<StandardHarness> {
  const h = await startEdgeHarness();
  const upstream = await startUpstream().catch(async (err: unknown) => {
    await h.close();
    throw err;
  });
  try {
    // A port nothing listens on: the `/dead` route's upstream.
    await seedStandardApis(h.store, upstream.url, `http://127.0.0.1:${await freePort()}`);
  } catch (err) {
    await Promise.allSettled([h.close(), upstream.close()]);
    throw err;
  }
  return {
    ...h,
    upstream,
    close: async () => {
      await h.close();
      await upstream.close();
    },
  };
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A plain node:http upstream that records what reached it and echoes it back as JSON. */
export interface Upstream {
  url: string;
  seen: SeenRequest[];
  /** Replaces the default echo for paths starting with the prefix. */
  on(
    prefix: string,
    handler: (req: IncomingMessage, res: import('node:http').ServerResponse) => void,
  ): void;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const seen: SeenRequest[] = [];
  const handlers: [
    string,
    (req: IncomingMessage, res: import('node:http').ServerResponse) => void,
  ][] = [];
  const server: Server = createServer((req, res) => {
    const custom = handlers.find(([prefix]) => req.url?.startsWith(prefix));
    if (custom) return custom[1](req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(record);
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-upstream', 'yes');
      res.end(JSON.stringify(record));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    on: (prefix, handler) => handlers.push([prefix, handler]),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

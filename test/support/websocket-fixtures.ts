import {
  type DefinitionStore,
  type Integration,
  type RestApi,
  type WebSocketDefinition,
  type WebSocketRoute,
  webSocketApiDefinition,
} from '@portico/definitions';
import { WebSocket } from 'ws';

/** A route of a WebSocket API under test: integration and whether it answers back. */
export interface RouteSpec {
  integration?: Partial<Integration> & Pick<Integration, 'type'>;
  twoWay?: boolean;
  /** `$connect` only: the handshake must bring an API key in a usage plan of the stage. */
  apiKeyRequired?: boolean;
}

function integration(spec: RouteSpec['integration']): Integration | undefined {
  if (!spec) return undefined;
  return {
    timeoutInMillis: 5000,
    requestParameters: {},
    requestTemplates: {},
    passthroughBehavior: 'WHEN_NO_MATCH',
    cacheKeyParameters: [],
    responses: [],
    ...spec,
  };
}

/** Writes a WebSocket API with one stage straight into the store, as control deploys one. */
export async function deployWebSocketApi(
  store: DefinitionStore,
  opts: {
    id: string;
    stage?: string;
    routes: Record<string, RouteSpec>;
    routeSelectionExpression?: string;
    allowedOrigins?: string[];
    maxConnectionsPerSecond?: number;
  },
): Promise<void> {
  const ws: WebSocketDefinition = {
    routeSelectionExpression: opts.routeSelectionExpression ?? '$request.body.action',
    integrations: {},
    routes: {},
    settings: {
      allowedOrigins: opts.allowedOrigins ?? [],
      maxConnectionsPerSecond: opts.maxConnectionsPerSecond ?? 0,
    },
  };
  let n = 0;
  for (const [routeKey, spec] of Object.entries(opts.routes)) {
    n++;
    const route: WebSocketRoute = {
      routeId: `r${n}`,
      routeKey,
      routeResponses: spec.twoWay
        ? [{ routeResponseId: `rr${n}`, routeResponseKey: '$default' }]
        : [],
      routeResponseSelectionExpression: spec.twoWay ? '$default' : undefined,
      authorizationType: 'NONE',
      apiKeyRequired: spec.apiKeyRequired ?? false,
    };
    const i = integration(spec.integration);
    if (i) {
      ws.integrations[`i${n}`] = { integrationId: `i${n}`, integration: i };
      route.integrationId = `i${n}`;
    }
    ws.routes[route.routeId] = route;
  }
  const definition = webSocketApiDefinition(opts.id, ws);
  const now = Math.floor(Date.now() / 1000);
  const api: RestApi = {
    id: opts.id,
    name: opts.id,
    protocolType: 'WEBSOCKET',
    createdDate: now,
    binaryMediaTypes: [],
    apiKeySource: 'HEADER',
    endpointConfiguration: { types: ['REGIONAL'] },
    disableExecuteApiEndpoint: false,
    tags: {},
    definition,
  };
  const deploymentId = `d${Date.now().toString(36)}`;
  await store.commit({
    restApis: [api],
    deployments: [{ id: deploymentId, restApiId: opts.id, createdDate: now, definition }],
    stages: [
      {
        restApiId: opts.id,
        stageName: opts.stage ?? 'prod',
        deploymentId,
        variables: {},
        methodSettings: {},
        cacheClusterEnabled: false,
        tracingEnabled: false,
        createdDate: now,
        lastUpdatedDate: now,
        tags: {},
      },
    ],
  });
}

/** A `ws` client that keeps every message and its close, for assertions. */
export class TestClient {
  readonly messages: string[] = [];
  closeCode?: number;
  readonly closed: Promise<number>;
  readonly protocol: () => string;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.messages.push(data.toString('utf8')));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code: number) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
    this.protocol = () => ws.protocol;
  }

  /** Connects, or rejects with the handshake's HTTP status (`Unexpected server response: 401`). */
  static async connect(
    url: string,
    opts: { protocols?: string[]; headers?: Record<string, string> } = {},
  ): Promise<TestClient> {
    const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers });
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`status ${res.statusCode}`));
        res.resume();
        ws.terminate();
      });
    });
    return client;
  }

  send(data: unknown): void {
    this.ws.send(typeof data === 'string' ? data : JSON.stringify(data));
  }

  /** The next message not yet taken, waiting up to `ms`. */
  async next(ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    while (this.messages.length === 0) {
      if (Date.now() > deadline) throw new Error('no message arrived');
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.messages.shift()!;
  }
}

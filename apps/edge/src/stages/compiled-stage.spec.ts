import type { ActiveStage, RouteSettings, WebSocketDefinition } from '@portico/definitions';
import { activeStage, resource } from '../testing/api-factory';
import { compileStage, stageFingerprint } from './compiled-stage';

const scope = { region: 'us-east-1', accountId: '123456789012' };

const webSocket: WebSocketDefinition = {
  routeSelectionExpression: '$request.body.action',
  integrations: {},
  routes: {
    r1: {
      routeId: 'r1',
      routeKey: 'echo',
      routeResponses: [],
      authorizationType: 'NONE',
      apiKeyRequired: false,
    },
  },
  settings: { allowedOrigins: [], maxConnectionsPerSecond: 500 },
};

/** A WebSocket stage with the given v2 route settings. */
function webSocketStage(
  defaultRouteSettings?: RouteSettings,
  routeSettings?: Record<string, RouteSettings>,
): ActiveStage {
  const active = activeStage({
    apiId: 'ws',
    stageName: 'prod',
    resources: [resource('/', [])],
    deploymentId: 'd1',
  });
  return {
    stage: { ...active.stage, lastUpdatedDate: 100, defaultRouteSettings, routeSettings },
    api: { ...active.api, protocolType: 'WEBSOCKET' },
    deployment: {
      ...active.deployment,
      definition: { ...active.deployment.definition, webSocket },
    },
  };
}

describe('compileStage: WebSocket route settings', () => {
  it("compiles the stage's route settings into its WebSocket throttling", () => {
    const compiled = compileStage(
      webSocketStage(
        { throttlingRateLimit: 10, throttlingBurstLimit: 20 },
        {
          echo: { throttlingRateLimit: 1, throttlingBurstLimit: 2 },
          // Half a limit is none: the route stays under the default.
          $default: { throttlingBurstLimit: 5, loggingLevel: 'INFO' },
        },
      ),
      scope,
    );
    const throttling = compiled.webSocket?.throttling;
    expect(throttling?.stageDefault).toEqual({ ratePerSecond: 10, burst: 20 });
    expect([...(throttling?.routes ?? [])]).toEqual([['echo', { ratePerSecond: 1, burst: 2 }]]);
  });

  it('compiles a stage without route settings to no route throttling', () => {
    const throttling = compileStage(webSocketStage(), scope).webSocket?.throttling;
    expect(throttling?.stageDefault).toBeUndefined();
    expect(throttling?.routes.size).toBe(0);
  });

  it('changes the fingerprint when only route settings change (within one lastUpdatedDate)', () => {
    const base = stageFingerprint(webSocketStage());
    const withDefault = stageFingerprint(
      webSocketStage({ throttlingRateLimit: 1, throttlingBurstLimit: 1 }),
    );
    const withRoute = stageFingerprint(
      webSocketStage(undefined, { echo: { throttlingRateLimit: 1, throttlingBurstLimit: 1 } }),
    );
    const otherBurst = stageFingerprint(
      webSocketStage(undefined, { echo: { throttlingRateLimit: 1, throttlingBurstLimit: 2 } }),
    );
    expect(new Set([base, withDefault, withRoute, otherBurst]).size).toBe(4);
    expect(stageFingerprint(webSocketStage())).toBe(base);
  });
});

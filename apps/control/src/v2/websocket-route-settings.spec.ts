import type {
  RouteSettings,
  Stage,
  WebSocketDefinition,
  WebSocketRoute,
} from '@portico/definitions';
import { AwsBadRequestException, AwsNotFoundException } from '../common/aws-errors';
import { jsonBody } from '../common/request-body';
import {
  type CreateStageBody,
  createStageSchema,
  type UpdateStageBody,
  updateStageSchema,
} from './websocket-api.schemas';
import { stageShape } from './websocket-api.shapes';
import {
  checkRouteKeys,
  routeSettingsShape,
  withoutRouteSettings,
  withRouteSettings,
} from './websocket-route-settings';

const stage = (extra: Partial<Stage> = {}): Stage => ({
  restApiId: 'a1',
  stageName: 'prod',
  variables: {},
  methodSettings: {},
  cacheClusterEnabled: false,
  tracingEnabled: false,
  createdDate: 0,
  lastUpdatedDate: 0,
  tags: {},
  ...extra,
});

const route = (routeId: string, routeKey: string): WebSocketRoute => ({
  routeId,
  routeKey,
  routeResponses: [],
  authorizationType: 'NONE',
  apiKeyRequired: false,
});

const ws: WebSocketDefinition = {
  routeSelectionExpression: '$request.body.action',
  integrations: {},
  routes: { r1: route('r1', 'echo'), r2: route('r2', '$default') },
  settings: { allowedOrigins: [], maxConnectionsPerSecond: 500 },
};

const failure = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
};

describe('v2 stage route settings', () => {
  describe('request bodies', () => {
    const create = (body: unknown) =>
      jsonBody<CreateStageBody>(JSON.stringify(body), createStageSchema);
    const update = (body: unknown) =>
      jsonBody<UpdateStageBody>(JSON.stringify(body), updateStageSchema);

    it('accepts every RouteSettings member, in the default and by route key', () => {
      const full = {
        dataTraceEnabled: true,
        detailedMetricsEnabled: true,
        loggingLevel: 'INFO',
        throttlingBurstLimit: 0,
        throttlingRateLimit: 0.001,
      };
      const body = { stageName: 'prod', defaultRouteSettings: full, routeSettings: { echo: full } };
      expect(create(body)).toEqual(body);
      expect(update({ routeSettings: { echo: { throttlingRateLimit: 5 } } })).toEqual({
        routeSettings: { echo: { throttlingRateLimit: 5 } },
      });
    });

    it.each([
      [{ throttlingBurstLimit: 1.5 }, 'defaultRouteSettings.throttlingBurstLimit must be integer'],
      [{ throttlingBurstLimit: -1 }, 'defaultRouteSettings.throttlingBurstLimit must be >= 0'],
      [{ throttlingRateLimit: -0.5 }, 'defaultRouteSettings.throttlingRateLimit must be >= 0'],
      [{ throttlingRateLimit: '10' }, 'defaultRouteSettings.throttlingRateLimit must be number'],
      [
        { loggingLevel: 'DEBUG' },
        'defaultRouteSettings.loggingLevel must be one of OFF, ERROR, INFO',
      ],
      [{ dataTraceEnabled: 'yes' }, 'defaultRouteSettings.dataTraceEnabled must be boolean'],
      [{ ThrottlingRateLimit: 1 }, 'defaultRouteSettings.ThrottlingRateLimit is not a known field'],
    ])('refuses default route settings %j', (settings, message) => {
      for (const parse of [
        () => create({ stageName: 'prod', defaultRouteSettings: settings }),
        () => update({ defaultRouteSettings: settings }),
      ]) {
        const err = failure(parse);
        expect(err).toBeInstanceOf(AwsBadRequestException);
        expect(err.message).toBe(`Invalid request: ${message}`);
      }
    });

    it("refuses a bad member of one route key's settings, naming the route key", () => {
      const err = failure(() => update({ routeSettings: { echo: { throttlingBurstLimit: -2 } } }));
      expect(err).toBeInstanceOf(AwsBadRequestException);
      expect(err.message).toBe(
        'Invalid request: routeSettings.echo.throttlingBurstLimit must be >= 0',
      );
      expect(() => update({ routeSettings: { echo: 'fast' } })).toThrow(AwsBadRequestException);
    });
  });

  describe('checkRouteKeys', () => {
    it("passes the API's own route keys, and none", () => {
      expect(() => checkRouteKeys(ws, { echo: {}, $default: {} })).not.toThrow();
      expect(() => checkRouteKeys(ws, undefined)).not.toThrow();
    });

    it('refuses a key that names no route, as AWS words it', () => {
      const err = failure(() => checkRouteKeys(ws, { echo: {}, shout: {} }));
      expect(err).toBeInstanceOf(AwsNotFoundException);
      expect(err.message).toBe(
        'Unable to find Route by key shout within the provided RouteSettings',
      );
      // A route id is not a route key.
      expect(() => checkRouteKeys(ws, { r1: {} })).toThrow(AwsNotFoundException);
    });
  });

  describe('withRouteSettings', () => {
    const current = stage({
      defaultRouteSettings: { throttlingRateLimit: 10, throttlingBurstLimit: 5 },
      routeSettings: {
        echo: { throttlingRateLimit: 1, throttlingBurstLimit: 2, loggingLevel: 'ERROR' },
        $default: { throttlingRateLimit: 3, throttlingBurstLimit: 3 },
      },
    });

    it('merges the members given into the default and into each route key given', () => {
      const next = withRouteSettings(current, {
        defaultRouteSettings: { throttlingBurstLimit: 50 },
        routeSettings: { echo: { throttlingRateLimit: 7 } },
      });
      expect(next.defaultRouteSettings).toEqual({
        throttlingRateLimit: 10,
        throttlingBurstLimit: 50,
      });
      expect(next.routeSettings).toEqual({
        echo: { throttlingRateLimit: 7, throttlingBurstLimit: 2, loggingLevel: 'ERROR' },
        $default: { throttlingRateLimit: 3, throttlingBurstLimit: 3 },
      });
      // The stored stage is not changed in place.
      expect(current.routeSettings?.echo?.throttlingRateLimit).toBe(1);
      expect(current.defaultRouteSettings?.throttlingBurstLimit).toBe(5);
    });

    it('adds a route key, and leaves everything as it was when neither member is given', () => {
      const bare = stage();
      expect(
        withRouteSettings(bare, { routeSettings: { echo: { throttlingBurstLimit: 1 } } }),
      ).toEqual({ ...bare, routeSettings: { echo: { throttlingBurstLimit: 1 } } });
      expect(withRouteSettings(current, {})).toEqual(current);
    });

    it('keeps a route key named __proto__ as a key, not as a prototype', () => {
      const change = JSON.parse('{"__proto__":{"throttlingBurstLimit":1}}') as Record<
        string,
        RouteSettings
      >;
      const next = withRouteSettings(stage(), { routeSettings: change });
      expect(Object.keys(next.routeSettings ?? {})).toEqual(['__proto__']);
      expect(JSON.parse(JSON.stringify(next.routeSettings))).toEqual(change);
      expect(Object.keys(routeSettingsShape(next).routeSettings as object)).toEqual(['__proto__']);
    });
  });

  describe('withoutRouteSettings', () => {
    const current = stage({ routeSettings: { echo: { throttlingBurstLimit: 1 } } });

    it("removes one route key's settings", () => {
      expect(withoutRouteSettings(current, 'echo').routeSettings).toEqual({});
      expect(current.routeSettings).toEqual({ echo: { throttlingBurstLimit: 1 } });
    });

    it('is NotFound for a route key without settings', () => {
      expect(() => withoutRouteSettings(current, '$default')).toThrow(AwsNotFoundException);
      expect(() => withoutRouteSettings(stage(), 'echo')).toThrow(AwsNotFoundException);
      // Not inherited members of Object.prototype either.
      expect(() => withoutRouteSettings(current, 'toString')).toThrow(AwsNotFoundException);
    });
  });

  describe('shapes', () => {
    it('answers what AWS answers for a stage without route settings', () => {
      expect(routeSettingsShape(stage())).toEqual({
        defaultRouteSettings: {
          dataTraceEnabled: false,
          detailedMetricsEnabled: false,
          loggingLevel: 'OFF',
        },
        routeSettings: {},
      });
    });

    it('answers the stored settings over the unset defaults', () => {
      const shape = stageShape(
        stage({
          defaultRouteSettings: { throttlingRateLimit: 2, throttlingBurstLimit: 4 },
          routeSettings: { echo: { loggingLevel: 'INFO', throttlingBurstLimit: 2 } },
        }),
      );
      expect(shape.defaultRouteSettings).toEqual({
        dataTraceEnabled: false,
        detailedMetricsEnabled: false,
        loggingLevel: 'OFF',
        throttlingRateLimit: 2,
        throttlingBurstLimit: 4,
      });
      expect(shape.routeSettings).toEqual({
        echo: {
          dataTraceEnabled: false,
          detailedMetricsEnabled: false,
          loggingLevel: 'INFO',
          throttlingBurstLimit: 2,
        },
      });
    });
  });
});

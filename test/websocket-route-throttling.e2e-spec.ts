import {
  type ApiGatewayV2Client,
  BadRequestException,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteRouteSettingsCommand,
  GetStageCommand,
  NotFoundException,
  UpdateStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import type { RunningService, ServiceHandle } from '@portico/platform';
import { eventually } from '@portico/testing';
import { controlHttp } from './support/control-http';
import { startTestControl, startTestRatelimit } from './support/services';
import { TestClient } from './support/websocket-fixtures';
import { WebSocketStack } from './support/websocket-stack';
import { createTwoWayRoute, createWebSocketApi, v2ManagementClient } from './support/websocket-v2';

/** A rate so low that no bucket refills while the suite runs: the counts are exact. */
const SLOW = 0.001;

type Answer = Record<string, unknown>;

/**
 * A WebSocket stage's v2 route settings, set through the management API with the AWS SDK, throttle
 * messages on a running edge through the ratelimit service: a route with its own settings has
 * its own bucket, every other route shares the stage default's; UpdateStage and
 * DeleteRouteSettings reach open connections without a redeploy.
 */
describe('WebSocket route throttling (v2 route settings)', () => {
  let stack: WebSocketStack;
  let control: RunningService;
  let ratelimit: ServiceHandle;
  let edge: RunningService;
  let v2: ApiGatewayV2Client;
  let apiId: string;
  let deploymentId: string;
  /** The `live` stage's connection, throttled across tests. */
  let live: TestClient;
  const clients: TestClient[] = [];

  /** A connection to a stage, once the edge serves it. */
  const connect = async (stage: string): Promise<TestClient> => {
    await eventually(async () => {
      clients.push(await TestClient.connect(stack.url(edge, apiId, stage)));
    });
    return clients.at(-1)!;
  };

  /** Sends `n` messages for `action` at once and waits for `n` answers, replies or error frames. */
  const send = async (c: TestClient, action: string, n: number): Promise<Answer[]> => {
    for (let i = 0; i < n; i++) c.send({ action, n: i });
    const answers: Answer[] = [];
    for (let i = 0; i < n; i++) answers.push(JSON.parse(await c.next()) as Answer);
    return answers;
  };

  /** How many answers were the route's replies, and how many throttled error frames. */
  const tally = (answers: Answer[], routeKey: string) => {
    const throttled = answers.filter((a) => a.message === 'Too Many Requests');
    for (const f of throttled) {
      expect(f).toEqual({
        message: 'Too Many Requests',
        connectionId: expect.any(String),
        requestId: expect.any(String),
      });
    }
    const replies = answers.filter((a) => a.routeKey === routeKey);
    expect(replies.length + throttled.length).toBe(answers.length);
    return { replies: replies.length, throttled: throttled.length };
  };

  const getStage = (stageName: string) =>
    v2.send(new GetStageCommand({ ApiId: apiId, StageName: stageName }));

  beforeAll(async () => {
    stack = await WebSocketStack.start(1);
    ratelimit = await startTestRatelimit(stack.infra);
    control = await startTestControl(stack.infra);
    // Counts must be exact: a busy machine must not make a decision time out (and admit).
    edge = await stack.startEdge({ THROTTLE_TIMEOUT_MS: '5000' });
    v2 = v2ManagementClient(control.port);
    apiId = await createWebSocketApi(v2, 'throttled-chat');
    const chat = (
      await v2.send(
        new CreateIntegrationCommand({
          ApiId: apiId,
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: 'chat',
        }),
      )
    ).IntegrationId!;
    await v2.send(
      new CreateRouteCommand({
        ApiId: apiId,
        RouteKey: '$connect',
        Target: `integrations/${chat}`,
      }),
    );
    for (const routeKey of ['echo', 'talk', '$default']) {
      await createTwoWayRoute(v2, apiId, routeKey, chat);
    }
    deploymentId = (await v2.send(new CreateDeploymentCommand({ ApiId: apiId }))).DeploymentId!;
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    v2?.destroy();
    await control?.close();
    await ratelimit?.close();
    await stack?.close();
  });

  it('stores the route settings CreateStage is given and answers them in GetStage', async () => {
    const created = await v2.send(
      new CreateStageCommand({
        ApiId: apiId,
        StageName: 'live',
        DeploymentId: deploymentId,
        DefaultRouteSettings: { ThrottlingRateLimit: SLOW, ThrottlingBurstLimit: 3 },
        RouteSettings: {
          echo: { ThrottlingRateLimit: SLOW, ThrottlingBurstLimit: 2, LoggingLevel: 'ERROR' },
        },
      }),
    );
    const unset = { DataTraceEnabled: false, DetailedMetricsEnabled: false };
    const expected = {
      DefaultRouteSettings: {
        ...unset,
        LoggingLevel: 'OFF',
        ThrottlingRateLimit: SLOW,
        ThrottlingBurstLimit: 3,
      },
      RouteSettings: {
        echo: {
          ...unset,
          LoggingLevel: 'ERROR',
          ThrottlingRateLimit: SLOW,
          ThrottlingBurstLimit: 2,
        },
      },
    };
    expect(created).toMatchObject(expected);
    expect(await getStage('live')).toMatchObject(expected);
  });

  it('admits exactly the burst of a route with its own settings; every other route shares the stage default', async () => {
    live = await connect('live');
    const client = live;
    expect(tally(await send(client, 'echo', 4), 'echo')).toEqual({ replies: 2, throttled: 2 });
    // talk and $default have no settings of their own: one bucket of 3 between them.
    expect(tally(await send(client, 'talk', 2), 'talk')).toEqual({ replies: 2, throttled: 0 });
    expect(tally(await send(client, 'other', 2), '$default')).toEqual({
      replies: 1,
      throttled: 1,
    });
    expect(tally(await send(client, 'talk', 1), 'talk')).toEqual({ replies: 0, throttled: 1 });
    // A throttled connection stays open.
    expect(client.closeCode).toBeUndefined();
  });

  it('UpdateStage gives a route its own bucket on an open connection, without a redeploy', async () => {
    const client = live;
    await v2.send(
      new UpdateStageCommand({
        ApiId: apiId,
        StageName: 'live',
        RouteSettings: { talk: { ThrottlingRateLimit: SLOW, ThrottlingBurstLimit: 5 } },
      }),
    );
    // Until the change reaches the edge, talk draws on the empty stage default (refused).
    await eventually(async () =>
      expect(tally(await send(client, 'talk', 1), 'talk')).toEqual({ replies: 1, throttled: 0 }),
    );
    expect(tally(await send(client, 'talk', 5), 'talk')).toEqual({ replies: 4, throttled: 1 });
    // $default still shares the (empty) stage default; echo keeps its own settings.
    expect(tally(await send(client, 'other', 1), '$default')).toEqual({
      replies: 0,
      throttled: 1,
    });
    const stage = await getStage('live');
    expect(Object.keys(stage.RouteSettings ?? {}).sort()).toEqual(['echo', 'talk']);
    expect(stage.RouteSettings?.echo).toMatchObject({ ThrottlingBurstLimit: 2 });
  });

  it('DeleteRouteSettings puts a route back under the stage default; a stage without one does not throttle', async () => {
    await v2.send(
      new CreateStageCommand({
        ApiId: apiId,
        StageName: 'beta',
        DeploymentId: deploymentId,
        RouteSettings: { echo: { ThrottlingRateLimit: SLOW, ThrottlingBurstLimit: 1 } },
      }),
    );
    const client = await connect('beta');
    // The route settings came with the stage: its first connection is throttled already.
    expect(tally(await send(client, 'echo', 2), 'echo')).toEqual({ replies: 1, throttled: 1 });
    expect(tally(await send(client, 'talk', 6), 'talk')).toEqual({ replies: 6, throttled: 0 });

    await v2.send(
      new DeleteRouteSettingsCommand({ ApiId: apiId, StageName: 'beta', RouteKey: 'echo' }),
    );
    await eventually(async () =>
      expect(tally(await send(client, 'echo', 1), 'echo')).toEqual({ replies: 1, throttled: 0 }),
    );
    expect(tally(await send(client, 'echo', 4), 'echo')).toEqual({ replies: 4, throttled: 0 });
    expect((await getStage('beta')).RouteSettings).toEqual({});
  });

  it('refuses bad route settings and leaves the stage as it was', async () => {
    const before = await getStage('live');
    const refused = async (settings: Record<string, unknown>, status: number, message: string) => {
      const answer = await controlHttp(
        control.port,
        'PATCH',
        `/v2/apis/${apiId}/stages/live`,
        settings,
      );
      expect({ status: answer.status, message: answer.body.message }).toEqual({ status, message });
    };
    await refused(
      { routeSettings: { shout: { throttlingBurstLimit: 1 } } },
      404,
      'Unable to find Route by key shout within the provided RouteSettings',
    );
    await refused(
      { defaultRouteSettings: { throttlingBurstLimit: 1.5 } },
      400,
      'Invalid request: defaultRouteSettings.throttlingBurstLimit must be integer',
    );
    await refused(
      { routeSettings: { echo: { throttlingRateLimit: -1 } } },
      400,
      'Invalid request: routeSettings.echo.throttlingRateLimit must be >= 0',
    );
    await refused(
      { defaultRouteSettings: { throttlingLimit: 1 } },
      400,
      'Invalid request: defaultRouteSettings.throttlingLimit is not a known field',
    );
    await expect(
      v2.send(
        new UpdateStageCommand({
          ApiId: apiId,
          StageName: 'live',
          DefaultRouteSettings: { LoggingLevel: 'DEBUG' as 'INFO' },
        }),
      ),
    ).rejects.toBeInstanceOf(BadRequestException);
    const after = await getStage('live');
    expect(after.DefaultRouteSettings).toEqual(before.DefaultRouteSettings);
    expect(after.RouteSettings).toEqual(before.RouteSettings);
    expect(after.LastUpdatedDate).toEqual(before.LastUpdatedDate);

    // A stage whose route settings name no route is not created.
    await expect(
      v2.send(
        new CreateStageCommand({
          ApiId: apiId,
          StageName: 'nope',
          RouteSettings: { shout: { ThrottlingBurstLimit: 1 } },
        }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(getStage('nope')).rejects.toBeInstanceOf(NotFoundException);
    // Settings a route key does not have cannot be deleted.
    await expect(
      v2.send(
        new DeleteRouteSettingsCommand({ ApiId: apiId, StageName: 'beta', RouteKey: 'talk' }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
  });
});

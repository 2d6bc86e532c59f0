import {
  type ApiGatewayV2Client,
  BadRequestException,
  ConflictException,
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateRouteResponseCommand,
  DeleteIntegrationCommand,
  DeleteRouteCommand,
  DeleteRouteResponseCommand,
  GetIntegrationCommand,
  GetIntegrationsCommand,
  GetRouteCommand,
  GetRouteResponseCommand,
  GetRouteResponsesCommand,
  GetRoutesCommand,
  NotFoundException,
  UpdateIntegrationCommand,
  UpdateRouteCommand,
} from '@aws-sdk/client-apigatewayv2';
import { type ControlUnderTest, startControlUnderTest, v2Client } from './control-harness';

describe('WebSocket API integrations, routes and route responses (AWS SDK v2)', () => {
  let t: ControlUnderTest;
  let v2: ApiGatewayV2Client;
  let apiId: string;
  let lambdaId: string;
  let mockId: string;
  let sendRouteId: string;

  beforeAll(async () => {
    t = await startControlUnderTest();
    v2 = v2Client(t.control.port);
    apiId = (
      await v2.send(
        new CreateApiCommand({
          Name: 'chat',
          ProtocolType: 'WEBSOCKET',
          RouteSelectionExpression: '$request.body.action',
        }),
      )
    ).ApiId!;
  });

  afterAll(async () => {
    v2?.destroy();
    await t?.close();
  });

  describe('integrations, routes and route responses', () => {
    it('CreateIntegration stores AWS_PROXY, HTTP_PROXY and MOCK integrations', async () => {
      const lambda = await v2.send(
        new CreateIntegrationCommand({
          ApiId: apiId,
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: 'chat',
          Description: 'the chat function',
        }),
      );
      lambdaId = lambda.IntegrationId!;
      expect(lambda).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: 'chat',
        IntegrationMethod: 'POST',
        TimeoutInMillis: 29000,
        Description: 'the chat function',
      });
      const http = await v2.send(
        new CreateIntegrationCommand({
          ApiId: apiId,
          IntegrationType: 'HTTP_PROXY',
          IntegrationUri: 'http://127.0.0.1:3000/echo',
          IntegrationMethod: 'PUT',
          TimeoutInMillis: 5000,
        }),
      );
      expect(http).toMatchObject({ IntegrationMethod: 'PUT', TimeoutInMillis: 5000 });
      mockId = (
        await v2.send(
          new CreateIntegrationCommand({
            ApiId: apiId,
            IntegrationType: 'MOCK',
            RequestTemplates: { $default: '{"statusCode": 200}' },
          }),
        )
      ).IntegrationId!;
      const all = await v2.send(new GetIntegrationsCommand({ ApiId: apiId }));
      expect(all.Items!.map((i) => i.IntegrationId).sort()).toEqual(
        [lambdaId, http.IntegrationId, mockId].sort(),
      );
      const one = await v2.send(new GetIntegrationCommand({ ApiId: apiId, IntegrationId: mockId }));
      expect(one.RequestTemplates).toEqual({ $default: '{"statusCode": 200}' });
      await v2.send(
        new DeleteIntegrationCommand({ ApiId: apiId, IntegrationId: http.IntegrationId! }),
      );
      await expect(
        v2.send(new GetIntegrationCommand({ ApiId: apiId, IntegrationId: http.IntegrationId! })),
      ).rejects.toBeInstanceOf(NotFoundException);
    });

    it('refuses a bad integration type, a timeout out of range and unknown ids', async () => {
      await expect(
        v2.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'VPC' as never })),
      ).rejects.toBeInstanceOf(BadRequestException);
      const slow = v2.send(
        new CreateIntegrationCommand({
          ApiId: apiId,
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: 'chat',
          TimeoutInMillis: 30000,
        }),
      );
      await expect(slow).rejects.toThrow(/timeoutInMillis/);
      await expect(
        v2.send(new GetIntegrationCommand({ ApiId: apiId, IntegrationId: 'constructor' })),
      ).rejects.toBeInstanceOf(NotFoundException);
    });

    it('CreateRoute targets an integration; route keys are unique per API', async () => {
      const connect = await v2.send(
        new CreateRouteCommand({
          ApiId: apiId,
          RouteKey: '$connect',
          Target: `integrations/${lambdaId}`,
        }),
      );
      expect(connect).toMatchObject({
        RouteKey: '$connect',
        Target: `integrations/${lambdaId}`,
        AuthorizationType: 'NONE',
        ApiKeyRequired: false,
      });
      const send = await v2.send(
        new CreateRouteCommand({
          ApiId: apiId,
          RouteKey: 'sendmessage',
          Target: `integrations/${lambdaId}`,
          RouteResponseSelectionExpression: '$default',
        }),
      );
      sendRouteId = send.RouteId!;
      expect(send.RouteResponseSelectionExpression).toBe('$default');
      const dup = v2.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'sendmessage' }));
      await expect(dup).rejects.toBeInstanceOf(ConflictException);
      const missing = v2.send(
        new CreateRouteCommand({ ApiId: apiId, RouteKey: 'x', Target: 'integrations/nope000' }),
      );
      await expect(missing).rejects.toBeInstanceOf(BadRequestException);
      await expect(missing).rejects.toThrow(/no integration nope000/);
      await expect(
        v2.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: '$custom' })),
      ).rejects.toBeInstanceOf(BadRequestException);
      const routes = await v2.send(new GetRoutesCommand({ ApiId: apiId }));
      expect(routes.Items!.map((r) => r.RouteKey).sort()).toEqual(['$connect', 'sendmessage']);
      const one = await v2.send(new GetRouteCommand({ ApiId: apiId, RouteId: sendRouteId }));
      expect(one.RouteKey).toBe('sendmessage');
    });

    it('an integration a route targets cannot be deleted', async () => {
      await expect(
        v2.send(new DeleteIntegrationCommand({ ApiId: apiId, IntegrationId: lambdaId })),
      ).rejects.toBeInstanceOf(ConflictException);
    });

    it('CreateRouteResponse adds a $default response; keys are unique per route', async () => {
      const rr = await v2.send(
        new CreateRouteResponseCommand({
          ApiId: apiId,
          RouteId: sendRouteId,
          RouteResponseKey: '$default',
        }),
      );
      expect(rr.RouteResponseKey).toBe('$default');
      await expect(
        v2.send(
          new CreateRouteResponseCommand({
            ApiId: apiId,
            RouteId: sendRouteId,
            RouteResponseKey: '$default',
          }),
        ),
      ).rejects.toBeInstanceOf(ConflictException);
      const list = await v2.send(
        new GetRouteResponsesCommand({ ApiId: apiId, RouteId: sendRouteId }),
      );
      expect(list.Items!.map((r) => r.RouteResponseId)).toEqual([rr.RouteResponseId]);
      const one = await v2.send(
        new GetRouteResponseCommand({
          ApiId: apiId,
          RouteId: sendRouteId,
          RouteResponseId: rr.RouteResponseId!,
        }),
      );
      expect(one.RouteResponseKey).toBe('$default');
    });

    it('deletes a route response and a route, and answers NotFound after', async () => {
      const temp = await v2.send(
        new CreateRouteCommand({
          ApiId: apiId,
          RouteKey: 'temp',
          Target: `integrations/${mockId}`,
        }),
      );
      const rr = await v2.send(
        new CreateRouteResponseCommand({
          ApiId: apiId,
          RouteId: temp.RouteId!,
          RouteResponseKey: '$default',
        }),
      );
      await v2.send(
        new DeleteRouteResponseCommand({
          ApiId: apiId,
          RouteId: temp.RouteId!,
          RouteResponseId: rr.RouteResponseId!,
        }),
      );
      await expect(
        v2.send(
          new GetRouteResponseCommand({
            ApiId: apiId,
            RouteId: temp.RouteId!,
            RouteResponseId: rr.RouteResponseId!,
          }),
        ),
      ).rejects.toBeInstanceOf(NotFoundException);
      await v2.send(new DeleteRouteCommand({ ApiId: apiId, RouteId: temp.RouteId! }));
      await expect(
        v2.send(new GetRouteCommand({ ApiId: apiId, RouteId: temp.RouteId! })),
      ).rejects.toBeInstanceOf(NotFoundException);
    });
  });

  describe('updates', () => {
    it('UpdateIntegration changes the members given and keeps the rest', async () => {
      const http = await v2.send(
        new CreateIntegrationCommand({
          ApiId: apiId,
          IntegrationType: 'HTTP',
          IntegrationUri: 'http://127.0.0.1:3000/a',
          IntegrationMethod: 'PUT',
          Description: 'backend',
          RequestParameters: {
            'integration.request.header.x-a': "'a'",
            'integration.request.header.x-b': "'b'",
          },
          RequestTemplates: { $default: '{"a": 1}' },
        }),
      );
      const id = http.IntegrationId!;
      const updated = await v2.send(
        new UpdateIntegrationCommand({
          ApiId: apiId,
          IntegrationId: id,
          IntegrationUri: 'https://backend.example.test/b',
          TimeoutInMillis: 1000,
          RequestParameters: {
            'integration.request.header.x-a': '',
            'integration.request.header.x-c': "'c'",
          },
          RequestTemplates: { $default: '{"b": 2}' },
        }),
      );
      expect(updated).toMatchObject({
        IntegrationId: id,
        IntegrationType: 'HTTP',
        IntegrationUri: 'https://backend.example.test/b',
        IntegrationMethod: 'PUT',
        TimeoutInMillis: 1000,
        Description: 'backend',
        RequestParameters: {
          'integration.request.header.x-b': "'b'",
          'integration.request.header.x-c': "'c'",
        },
        RequestTemplates: { $default: '{"b": 2}' },
      });
      expect(updated.RequestParameters).not.toHaveProperty(['integration.request.header.x-a']);
      const read = await v2.send(new GetIntegrationCommand({ ApiId: apiId, IntegrationId: id }));
      expect(read).toMatchObject({ IntegrationUri: 'https://backend.example.test/b' });

      const mock = await v2.send(
        new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: id, IntegrationType: 'MOCK' }),
      );
      expect(mock).toMatchObject({ IntegrationType: 'MOCK', TimeoutInMillis: 1000 });
      expect(mock.IntegrationUri).toBeUndefined();
      await v2.send(new DeleteIntegrationCommand({ ApiId: apiId, IntegrationId: id }));
    });

    it('UpdateIntegration checks the result as CreateIntegration does, changing nothing on failure', async () => {
      const before = await v2.send(
        new GetIntegrationCommand({ ApiId: apiId, IntegrationId: lambdaId }),
      );
      // The function name it keeps is no URL for an HTTP integration.
      const http = v2.send(
        new UpdateIntegrationCommand({
          ApiId: apiId,
          IntegrationId: lambdaId,
          IntegrationType: 'HTTP_PROXY',
        }),
      );
      await expect(http).rejects.toBeInstanceOf(BadRequestException);
      await expect(http).rejects.toThrow(/expected an http:\/\/ or https:\/\/ URL/);
      const slow = v2.send(
        new UpdateIntegrationCommand({
          ApiId: apiId,
          IntegrationId: lambdaId,
          TimeoutInMillis: 30000,
        }),
      );
      await expect(slow).rejects.toBeInstanceOf(BadRequestException);
      await expect(slow).rejects.toThrow(/timeoutInMillis/);
      const refused: Partial<ConstructorParameters<typeof UpdateIntegrationCommand>[0]>[] = [
        { IntegrationType: 'VPC' as never },
        { TimeoutInMillis: 'soon' as never },
        { PassthroughBehavior: 'ALWAYS' as never },
        { IntegrationUri: '' },
      ];
      for (const input of refused) {
        await expect(
          v2.send(
            new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: lambdaId, ...input }),
          ),
        ).rejects.toBeInstanceOf(BadRequestException);
      }
      await expect(
        v2.send(new UpdateIntegrationCommand({ ApiId: apiId, IntegrationId: 'nope000' })),
      ).rejects.toBeInstanceOf(NotFoundException);
      await expect(
        v2.send(new UpdateIntegrationCommand({ ApiId: 'nosuchapi0', IntegrationId: lambdaId })),
      ).rejects.toBeInstanceOf(NotFoundException);
      expect(
        await v2.send(new GetIntegrationCommand({ ApiId: apiId, IntegrationId: lambdaId })),
      ).toEqual({ ...before, $metadata: expect.anything() });
    });

    it('UpdateRoute changes key, target and settings, keeping its route responses', async () => {
      const updated = await v2.send(
        new UpdateRouteCommand({
          ApiId: apiId,
          RouteId: sendRouteId,
          RouteKey: 'send',
          Target: `integrations/${mockId}`,
          ApiKeyRequired: true,
        }),
      );
      expect(updated).toMatchObject({
        RouteId: sendRouteId,
        RouteKey: 'send',
        Target: `integrations/${mockId}`,
        RouteResponseSelectionExpression: '$default',
        AuthorizationType: 'NONE',
        ApiKeyRequired: true,
      });
      const responses = await v2.send(
        new GetRouteResponsesCommand({ ApiId: apiId, RouteId: sendRouteId }),
      );
      expect(responses.Items!.map((r) => r.RouteResponseKey)).toEqual(['$default']);
      // Its own key is no conflict.
      const same = await v2.send(
        new UpdateRouteCommand({ ApiId: apiId, RouteId: sendRouteId, RouteKey: 'send' }),
      );
      expect(same.RouteKey).toBe('send');
      // The integration it targets now is in use.
      await expect(
        v2.send(new DeleteIntegrationCommand({ ApiId: apiId, IntegrationId: mockId })),
      ).rejects.toBeInstanceOf(ConflictException);
    });

    it('UpdateRoute refuses a key another route has, bad input and unknown ids, changing nothing', async () => {
      const before = await v2.send(new GetRouteCommand({ ApiId: apiId, RouteId: sendRouteId }));
      const taken = v2.send(
        new UpdateRouteCommand({ ApiId: apiId, RouteId: sendRouteId, RouteKey: '$connect' }),
      );
      await expect(taken).rejects.toBeInstanceOf(ConflictException);
      await expect(taken).rejects.toThrow(/Route key already exists for this API: \$connect/);
      const refused: Partial<ConstructorParameters<typeof UpdateRouteCommand>[0]>[] = [
        { RouteKey: '$custom' },
        { RouteKey: '' },
        { Target: 'integrations/nope000' },
        { Target: `arn:aws:lambda:us-east-1:123456789012:function:chat` },
        { RouteResponseSelectionExpression: '$request.body.action' },
        { AuthorizationType: 'JWT' },
        // As AWS: only $connect may be authorized.
        { AuthorizationType: 'aws_iam' as never },
        { ApiKeyRequired: 'yes' as never },
      ];
      for (const input of refused) {
        await expect(
          v2.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: sendRouteId, ...input })),
        ).rejects.toBeInstanceOf(BadRequestException);
      }
      await expect(
        v2.send(new UpdateRouteCommand({ ApiId: apiId, RouteId: 'nope000', RouteKey: 'x' })),
      ).rejects.toBeInstanceOf(NotFoundException);
      await expect(
        v2.send(new UpdateRouteCommand({ ApiId: 'nosuchapi0', RouteId: sendRouteId })),
      ).rejects.toBeInstanceOf(NotFoundException);
      expect(await v2.send(new GetRouteCommand({ ApiId: apiId, RouteId: sendRouteId }))).toEqual({
        ...before,
        $metadata: expect.anything(),
      });
    });
  });
});

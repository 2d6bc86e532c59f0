import 'reflect-metadata';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthService, PlatformModule } from '@portico/platform';
import { startInfra, type TestInfra } from '@portico/testing';
import { connect, type NatsConnection } from 'nats';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Integration } from '@portico/definitions';
import { IntegrationFailure, type InvocationRequest, type Invoker } from './integration.types';
import { INVOKER } from './integrations.constants';
import { IntegrationsModule } from './integrations.module';
import { startTestUpstream, type TestUpstream } from './testing/http-upstream.fixture';
import {
  testIntegration,
  testIntegrationResponse,
  testInvocationRequest,
} from './testing/invocation-request.factory';
import { bodyText, rejectionOf } from './testing/read-response.fixture';

describe('IntegrationsModule', () => {
  let infra: TestInfra;
  let nc: NatsConnection;
  let app: INestApplicationContext;
  let invoker: Invoker;
  let upstream: TestUpstream;
  const registry = new Registry();

  beforeAll(async () => {
    infra = await startInfra();
    nc = await connect({ servers: infra.natsUrl });
    upstream = await startTestUpstream((_req, res) => res.end('from upstream'));
    @Module({
      imports: [
        PlatformModule.forRoot({
          runtime: {
            service: 'edge-test',
            logger: pino({ level: 'silent' }),
            registry,
            health: new HealthService(),
            nats: nc,
          },
          httpRequestLogging: false,
        }),
        IntegrationsModule.forRoot({
          accountId: '123456789012',
          region: 'us-east-1',
          upstream: { connections: 4, keepAliveTimeoutMs: 4_000, connectTimeoutMs: 1_000 },
        }),
      ],
    })
    class TestRoot {}
    app = await NestFactory.createApplicationContext(TestRoot, { logger: false });
    invoker = app.get<Invoker>(INVOKER);
  });

  afterAll(async () => {
    await app.close();
    await upstream.close();
    await nc.close();
    await infra.stop();
  });

  it('dispatches HTTP_PROXY through the INVOKER token', async () => {
    const res = await invoker.invoke(
      testIntegration({ uri: `${upstream.url}/x` }),
      testInvocationRequest(),
    );
    expect(res.statusCode).toBe(200);
    expect(await bodyText(res)).toBe('from upstream');
  });

  it('dispatches MOCK', async () => {
    const res = await invoker.invoke(
      testIntegration({
        type: 'MOCK',
        requestTemplates: { 'application/json': '{"statusCode": 200}' },
        responses: [
          {
            selectionPattern: 'default',
            statusCode: '200',
            responseParameters: {},
            responseTemplates: { 'application/json': '{"mock":true}' },
          },
        ],
      }),
      testInvocationRequest(),
    );
    expect(await bodyText(res)).toBe('{"mock":true}');
  });

  it('fills in the configured account id without copying the request', async () => {
    // The pipeline's request computes headers, body and signal in prototype getters: a spread
    // copy of it would have none of them.
    const { headers, body, signal, ...own } = testInvocationRequest({
      accountId: '',
      headers: { 'content-type': ['application/json'] },
    });
    const lazy = Object.assign(
      Object.create({
        get headers() {
          return headers;
        },
        get body() {
          return body;
        },
        get signal() {
          return signal;
        },
      }) as object,
      own,
    ) as InvocationRequest;
    const res = await invoker.invoke(
      testIntegration({
        type: 'MOCK',
        requestTemplates: { 'application/json': '{"statusCode": 200}' },
        responses: [
          testIntegrationResponse('default', '200', {
            responseTemplates: { 'application/json': '$context.accountId' },
          }),
        ],
      }),
      lazy,
    );
    expect(res.statusCode).toBe(200);
    expect(await bodyText(res)).toBe('123456789012');
  });

  it('dispatches AWS_PROXY over the platform NATS connection', async () => {
    const err = await rejectionOf(
      invoker.invoke(
        testIntegration({ type: 'AWS_PROXY', httpMethod: 'POST', uri: 'nobody' }),
        testInvocationRequest(),
      ),
    );
    expect(err).toMatchObject({ statusCode: 503 });
  });

  it('answers 500 for an integration type it does not know, and counts failures', async () => {
    const err = await rejectionOf(
      invoker.invoke(
        { ...testIntegration(), type: 'AWS' as Integration['type'] },
        testInvocationRequest(),
      ),
    );
    expect(err).toBeInstanceOf(IntegrationFailure);
    expect(err).toMatchObject({ statusCode: 500, responseType: 'API_CONFIGURATION_ERROR' });
    const metric = await registry.getSingleMetric('portico_integration_failures_total')?.get();
    expect(metric?.values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          labels: { type: 'AWS', response_type: 'API_CONFIGURATION_ERROR' },
          value: 1,
        }),
        expect.objectContaining({
          labels: { type: 'AWS_PROXY', response_type: 'INTEGRATION_FAILURE' },
          value: 1,
        }),
      ]),
    );
  });
});

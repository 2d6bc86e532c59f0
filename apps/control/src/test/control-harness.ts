import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { connect, type NatsConnection } from 'nats';
import { CONTROL_DOMAIN_CHANGED, CONTROL_STAGE_CHANGED } from '@portico/contracts';
import type { RunningService } from '@portico/platform';
import { startInfra, type TestInfra } from '@portico/testing';
import { bootstrap } from '../bootstrap';

/** Test helpers shared by control's integration suites (excluded from the build). */

export function controlEnv(
  infra: TestInfra,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    NATS_URL: infra.natsUrl,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: infra.redisKeyPrefix,
    LOG_LEVEL: 'silent',
    CONTROL_PORT: '0',
    CONTROL_OPS_PORT: '0',
    ...extra,
  };
}

/** A config file that deploys nothing, so a suite never picks up a ./portico.yaml by accident. */
export function emptyConfigFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'portico-control-'));
  const path = join(dir, 'portico.yaml');
  writeFileSync(path, 'restApis: []\n');
  return path;
}

export function sdkClient(port: number): APIGatewayClient {
  return new APIGatewayClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
}

/** The v2 management API client (WebSocket APIs), as a user would configure it for Portico. */
export function v2Client(port: number): ApiGatewayV2Client {
  return new ApiGatewayV2Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
}

export interface SeenEvent {
  subject: string;
  data: Record<string, unknown>;
}

/** Subscribes to control's events as an edge would, and keeps what arrives. */
export async function eventRecorder(
  natsUrl: string,
  subjects: string[],
): Promise<{ events: SeenEvent[]; close(): Promise<void> }> {
  const nc: NatsConnection = await connect({ servers: natsUrl });
  const events: SeenEvent[] = [];
  for (const subject of subjects) {
    const sub = nc.subscribe(subject);
    void (async () => {
      for await (const m of sub) {
        // Nest's NATS ClientProxy wraps an event as { pattern, data }.
        const packet = JSON.parse(new TextDecoder().decode(m.data)) as {
          data: Record<string, unknown>;
        };
        events.push({ subject: m.subject, data: packet.data });
      }
    })();
  }
  await nc.flush();
  return { events, close: () => nc.drain() };
}

/** How many config-file deploys control's metrics count with this outcome. */
export async function configFileDeploys(opsPort: number, outcome: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('portico_control_config_file_deploys_total') &&
        l.includes(`outcome="${outcome}"`),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Test fixtures beside this file. */
export const fixture = (name: string): Buffer => readFileSync(join(__dirname, 'fixtures', name));

/** A predicate for an event on `subject` whose payload has these fields. */
export const seen =
  (subject: string, data: Record<string, unknown>) =>
  (e: SeenEvent): boolean =>
    e.subject === subject && Object.entries(data).every(([k, v]) => e.data[k] === v);

export interface ControlUnderTest {
  infra: TestInfra;
  control: RunningService;
  sdk: APIGatewayClient;
  recorder: Awaited<ReturnType<typeof eventRecorder>>;
  url(path: string): string;
  close(): Promise<void>;
}

/** A real control on port 0 with its own NATS and Redis, an SDK client and an event recorder. */
export async function startControlUnderTest(): Promise<ControlUnderTest> {
  const infra = await startInfra();
  const recorder = await eventRecorder(infra.natsUrl, [
    CONTROL_STAGE_CHANGED,
    CONTROL_DOMAIN_CHANGED,
  ]);
  const control = await bootstrap(
    controlEnv(infra, { PORTICO_CONFIG: emptyConfigFile(), PORTICO_CONFIG_WATCH: 'false' }),
  );
  const sdk = sdkClient(control.port);
  return {
    infra,
    control,
    sdk,
    recorder,
    url: (path) => `http://127.0.0.1:${control.port}${path}`,
    close: async () => {
      sdk.destroy();
      await control.close();
      await recorder.close();
      await infra.stop();
    },
  };
}

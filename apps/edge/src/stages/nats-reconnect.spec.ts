import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { DefinitionStore } from '@portico/definitions';
import type { RunningService } from '@portico/platform';
import { eventually, freePort, startInfra, type TestInfra } from '@portico/testing';
import Redis from 'ioredis';
import { request } from 'undici';
import { bootstrap } from '../bootstrap';
import { method, putStage, resource } from '../testing/api-factory';
import { echoMock } from '../testing/edge-fixtures';

/**
 * Events sent while an edge is cut off from NATS are lost, so it resyncs when it reconnects.
 * This suite needs a NATS it can kill and restart on the same port: the nats-server binary.
 */
const hasNatsServer = spawnSync('nats-server', ['--version']).status === 0;

(hasNatsServer ? describe : describe.skip)('an edge after a NATS outage', () => {
  let infra: TestInfra;
  let redis: Redis;
  let store: DefinitionStore;
  let natsPort: number;
  let nats: ChildProcess | undefined;
  let edge: RunningService | undefined;

  const startNats = async (): Promise<void> => {
    nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort)], { stdio: 'ignore' });
    await eventually(
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(natsPort, '127.0.0.1', () => {
            socket.end();
            resolve();
          });
          socket.on('error', reject);
        }),
    );
  };
  const stopNats = async (): Promise<void> => {
    const child = nats;
    nats = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  };
  const version = (label: string) =>
    putStage(store, {
      apiId: 'outage',
      stageName: 'prod',
      deploymentId: `dep-${label}`,
      resources: [resource('/pets', { GET: method('GET', echoMock(label)) })],
    });
  const served = async () => {
    const res = await request(
      `http://127.0.0.1:${edge!.port}/restapis/outage/prod/_user_request_/pets`,
    );
    return ((await res.body.json()) as { label: string }).label;
  };

  beforeAll(async () => {
    infra = await startInfra();
    redis = new Redis(infra.redisUrl);
    store = new DefinitionStore(redis, infra.redisKeyPrefix);
    natsPort = await freePort();
    await startNats();
  });

  afterAll(async () => {
    await edge?.close();
    await stopNats();
    redis?.disconnect();
    await infra?.stop();
  });

  it('reloads every stage when it reconnects', async () => {
    await version('before');
    edge = await bootstrap({
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: infra.redisKeyPrefix,
      LOG_LEVEL: 'silent',
      EDGE_HOST: '127.0.0.1',
      EDGE_PORT: '0',
      EDGE_OPS_PORT: '0',
      // No periodic resync in the test's lifetime: only the reconnect can bring the change.
      STAGE_RESYNC_INTERVAL_MS: '3600000',
    });
    expect(await served()).toBe('before');

    await stopNats();
    await version('during-outage'); // control's event for this is lost with NATS down
    await startNats();

    await eventually(async () => expect(await served()).toBe('during-outage'), 30_000);
  }, 60_000);
});

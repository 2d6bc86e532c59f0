import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** NATS and Redis for one test suite. */
export interface TestInfra {
  natsUrl: string;
  redisUrl: string;
  /** Unique per suite, so suites that share one Redis (NATS_URL/REDIS_URL set) do not collide. */
  redisKeyPrefix: string;
  source: 'env' | 'testcontainers' | 'binaries';
  /** Stops Redis (and only Redis) so failure paths can be tested; `startRedis` brings it back. */
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  stop(): Promise<void>;
}

let suiteCounter = 0;

/**
 * Gives a suite its own NATS and Redis: NATS_URL/REDIS_URL when set, testcontainers when a
 * Docker engine answers, otherwise the installed `nats-server` and `redis-server` binaries on
 * free ports.
 */
export async function startInfra(): Promise<TestInfra> {
  const prefix = `portico-test-${process.pid}-${++suiteCounter}:`;
  const { NATS_URL, REDIS_URL } = process.env;
  if (NATS_URL && REDIS_URL) {
    const noop = async (): Promise<void> => undefined;
    return {
      natsUrl: NATS_URL,
      redisUrl: REDIS_URL,
      redisKeyPrefix: prefix,
      source: 'env',
      stopRedis: () =>
        Promise.reject(new Error('Redis from REDIS_URL cannot be stopped by a test')),
      startRedis: noop,
      stop: noop,
    };
  }
  if (await dockerAnswers()) return startContainers(prefix);
  return startBinaries(prefix);
}

async function dockerAnswers(): Promise<boolean> {
  const socket = process.env.DOCKER_HOST ?? '/var/run/docker.sock';
  if (!process.env.DOCKER_HOST && !existsSync(socket)) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startContainers(prefix: string): Promise<TestInfra> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const nats = await new GenericContainer('nats:2.11-alpine')
    .withCommand(['-js'])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  let redis = await startRedisContainer();
  async function startRedisContainer() {
    return new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
  }
  return {
    natsUrl: `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`,
    get redisUrl() {
      return `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
    },
    redisKeyPrefix: prefix,
    source: 'testcontainers',
    stopRedis: async () => {
      await redis.stop();
    },
    startRedis: async () => {
      redis = await startRedisContainer();
    },
    stop: async () => {
      await Promise.allSettled([nats.stop(), redis.stop()]);
    },
  };
}

async function startBinaries(prefix: string): Promise<TestInfra> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-infra-'));
  const natsPort = await freePort();
  const redisPort = await freePort();
  const nats = await startProcess(
    'nats-server',
    ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(dir, 'js')],
    natsPort,
  );
  const redisArgs = [
    '--port',
    String(redisPort),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  let redis: ChildProcess | undefined = await startProcess('redis-server', redisArgs, redisPort);
  return {
    natsUrl: `nats://127.0.0.1:${natsPort}`,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    redisKeyPrefix: prefix,
    source: 'binaries',
    stopRedis: async () => {
      await stopProcess(redis);
      redis = undefined;
    },
    startRedis: async () => {
      redis ??= await startProcess('redis-server', redisArgs, redisPort);
    },
    stop: async () => {
      await Promise.all([stopProcess(nats), stopProcess(redis)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A port that is free now and stays free until the caller binds it, as far as this machine's
 * other programs go: it is picked at random below the kernel's ephemeral range, where no port-0
 * listener and no outgoing connection lands (those take ephemeral ports, and in a suite that
 * reserves ports for several services and starts them one by one, they stole one now and then).
 * A port is never handed out twice by one process. Falls back to an OS-chosen port where the
 * range cannot be read.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  if (low > FIRST_RESERVABLE_PORT + 1000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port =
        FIRST_RESERVABLE_PORT + Math.floor(Math.random() * (low - FIRST_RESERVABLE_PORT));
      if (handedOut.has(port)) continue;
      // Claimed before the check, so concurrent callers cannot both pick it.
      handedOut.add(port);
      if (await canBind(port)) return port;
      handedOut.delete(port);
    }
  }
  return osChosenPort();
}

const FIRST_RESERVABLE_PORT = 10_000;
const handedOut = new Set<number>();

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && high) return [low, high];
  } catch {
    // Not Linux: no range to stay out of.
  }
  return [0, 0];
}

/** Services listen on 0.0.0.0 as well as 127.0.0.1: the port must be free on all addresses. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });
}

function osChosenPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function startProcess(bin: string, args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(
        new Error(
          `Cannot start ${bin} (${err.message}); install it (apt-get install -y ${bin}) or set NATS_URL and REDIS_URL`,
        ),
      ),
    );
    child.once('exit', (code) => reject(new Error(`${bin} exited with ${code}: ${stderr.trim()}`)));
  });
  await Promise.race([waitForPort(port, 10_000), spawnError]);
  child.removeAllListeners('exit');
  return child;
}

export async function waitForPort(
  port: number,
  timeoutMs: number,
  host = '127.0.0.1',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`Nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

// NATS and Redis for `pnpm start` and `pnpm bench`: the ones NATS_URL/REDIS_URL name when they
// ones on their default local ports, else fresh servers started from the installed binaries.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSTALL_HINT =
  'Install them (Debian/Ubuntu: `sudo apt-get install -y nats-server redis-server`; ' +
  'macOS: `brew install nats-server redis`), or set NATS_URL and REDIS_URL to running servers, ' +
  'or run everything in containers with `docker compose up`.';

export class InfraError extends Error {}

/** Resolves true when something at `url` talks like the server `kind` names. */
export async function answers(kind, url, timeoutMs = 1500) {
  let target;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  const port = Number(target.port || (kind === 'nats' ? 4222 : 6379));
  const host = target.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const tls = /^(tls|wss|rediss):$/.test(target.protocol);
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => {
      // Over TLS a plain greeting cannot be read; an open port has to do.
      if (tls) return done(true);
      if (kind === 'redis') socket.write('PING\r\n');
    });
    let seen = '';
    socket.on('data', (chunk) => {
      seen += chunk.toString('latin1');
      if (kind === 'nats') return done(seen.startsWith('INFO '));
      if (!seen.includes('\r\n')) return undefined;
      // A Redis that wants a password still answers; it is usable if the URL carries one.
      return done(seen.startsWith('+PONG') || (seen.startsWith('-NOAUTH') && !!target.password));
    });
  });
}

export async function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Rejects with a message naming the variable to change when something already uses the port. */
export async function assertPortFree(host, port, what) {
  await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err) =>
      reject(
        new InfraError(
          err.code === 'EADDRINUSE'
            ? `Port ${port} on ${host} is already in use; ${what}.`
            : `Cannot listen on ${host}:${port} (${err.message}); ${what}.`,
        ),
      ),
    );
    server.listen(port, host, () => server.close(resolve));
  });
}

async function waitUntilAnswers(kind, url, child, timeoutMs, output) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new InfraError(`${kind} exited with code ${child.exitCode}: ${output().trim()}`);
    }
    if (await answers(kind, url, 500)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new InfraError(`${kind} did not answer at ${url} within ${timeoutMs} ms`);
}

function startServer(kind, bin, args, url, started) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // Tracked from the spawn on, so a Ctrl-C while it is still starting can stop it too.
    started.push(child);
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (err) => {
      reject(
        err.code === 'ENOENT'
          ? new InfraError(
              `No ${kind === 'nats' ? 'NATS' : 'Redis'} answers and \`${bin}\` is not installed. ` +
                `Portico needs NATS (JetStream enabled, as later services use it) and Redis. ${INSTALL_HINT}`,
            )
          : new InfraError(`Cannot start ${bin}: ${err.message}`),
      );
    });
    child.once('spawn', () => {
      waitUntilAnswers(kind, url, child, 10_000, () => output).then(
        () => resolve(child),
        (err) => {
          child.kill('SIGKILL');
          reject(err);
        },
      );
    });
  });
}

const DEFAULT_URLS = { nats: 'nats://127.0.0.1:4222', redis: 'redis://127.0.0.1:6379' };

const running = (child) => child.exitCode === null && child.signalCode === null;

/**
 * Finds or starts NATS and Redis. Returns their URLs, where they came from, `stop()` (SIGTERM,
 * then the data directory goes) and `kill()` (SIGKILL at once, for a second Ctrl-C) for
 * whatever was started here. `privateNats`: start a NATS of its own first, so that no other
 * Portico on a shared NATS answers its services' subjects (the shared one if that cannot start).
 */
export async function provideInfra(
  env,
  log,
  defaults = DEFAULT_URLS,
  { privateNats = false } = {},
) {
  const started = [];
  let dataDir;
  const removeDataDir = () => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
  };
  const kill = () => {
    for (const child of started) if (running(child)) child.kill('SIGKILL');
    removeDataDir();
  };
  // The servers run in process groups of their own, so a Ctrl-C in the terminal does not reach
  // them: whichever way this process exits, they must not outlive it.
  process.on('exit', kill);
  const stop = async () => {
    await Promise.all(
      started.map(
        (child) =>
          new Promise((resolve) => {
            if (!running(child)) return resolve();
            child.once('exit', resolve);
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
          }),
      ),
    );
    removeDataDir();
  };
  const startOwn = async (kind, start) => {
    dataDir ??= mkdtempSync(join(tmpdir(), 'portico-start-'));
    const port = await freePort();
    const url = start(port, dataDir);
    await startServer(kind, url.bin, url.args, url.url, started);
    return { url: url.url, source: `started ${url.bin} on port ${port}` };
  };
  const find = async (kind, envName, fallback, start, own = false) => {
    if (own) {
      try {
        return await startOwn(kind, start);
      } catch (err) {
        log(`could not start a ${kind} of its own (${err.message}); looking for a shared one`);
      }
    }
    const fromEnv = env[envName];
    if (fromEnv) {
      if (await answers(kind, fromEnv)) return { url: fromEnv, source: envName };
      log(`${envName}=${fromEnv} does not answer; looking elsewhere`);
    }
    if (await answers(kind, fallback)) return { url: fallback, source: 'local default port' };
    return startOwn(kind, start);
  };
  try {
    const nats = await find(
      'nats',
      'NATS_URL',
      defaults.nats,
      (port, dir) => ({
        bin: 'nats-server',
        args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'nats')],
        url: `nats://127.0.0.1:${port}`,
      }),
      privateNats,
    );
    const redis = await find('redis', 'REDIS_URL', defaults.redis, (port, dir) => ({
      bin: 'redis-server',
      args: [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      url: `redis://127.0.0.1:${port}`,
    }));
    return { nats, redis, stop, kill };
  } catch (err) {
    await stop();
    throw err;
  }
}

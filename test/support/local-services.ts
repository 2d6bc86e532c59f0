import { spawn, type ChildProcess } from 'node:child_process';
import type { LocalService } from './compose-local';

/** One compose service running as a local process, its output kept for failure messages. */
export class LocalProcess {
  private readonly lines: string[] = [];
  private readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly service: LocalService) {
    const [command = '', ...args] = service.argv;
    this.child = spawn(command, args, {
      cwd: service.cwd,
      env: service.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => resolve({ code, signal }));
    });
    this.child.once('error', (err) => this.lines.push(`spawn failed: ${err.message}`));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        const parts = (partial + chunk.toString()).split('\n');
        partial = parts.pop() ?? '';
        this.lines.push(...parts);
        if (this.lines.length > 400) this.lines.splice(0, this.lines.length - 400);
      });
    }
  }

  get name(): string {
    return this.service.name;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.lines.slice(-60).join('\n');
  }

  /** SIGTERM, as `docker compose stop` sends; SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const result = await this.exited;
      clearTimeout(timer);
      return result;
    }
    return this.exited;
  }
}

function runOnce(argv: string[], cwd: string, env: Record<string, string>): Promise<boolean> {
  const [command = '', ...args] = argv;
  return new Promise((resolve) => {
    const check = spawn(command, args, { cwd, env, stdio: 'ignore' });
    const timer = setTimeout(() => check.kill('SIGKILL'), 5_000);
    check.once('error', () => resolve(false));
    check.once('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

/**
 * Waits until the service is healthy: its compose healthcheck passes, as Docker runs it. A
 * service with none counts once it runs, as compose's `service_started` does. Fails as soon as
 * the process exits.
 */
export async function waitUntilHealthy(proc: LocalProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const { healthcheck, cwd, env } = proc.service;
  for (;;) {
    if (!proc.running) {
      throw new Error(`${proc.name} exited before it was healthy:\n${proc.output()}`);
    }
    if (!healthcheck || (await runOnce(healthcheck, cwd, env))) return;
    if (Date.now() > deadline) {
      throw new Error(`${proc.name} was not healthy after ${timeoutMs} ms:\n${proc.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Starts services in order, honouring `depends_on` conditions as compose does: a dependency on a
 * scaled service waits for every replica. Processes are keyed by name (`edge-1`, `edge-2` for a
 * scaled service).
 */
export async function startServices(
  services: LocalService[],
  timeoutMs: number,
): Promise<Map<string, LocalProcess>> {
  const running = new Map<string, LocalProcess>();
  const healthy = new Map<string, Promise<void>>();
  try {
    for (const service of services) {
      for (const dep of service.dependsOn) {
        // None when replaced by the test's NATS, Redis or direct edge addresses.
        const replicas = [...running.values()].filter((p) => p.service.service === dep.name);
        if (dep.condition !== 'service_healthy') continue;
        for (const proc of replicas) {
          if (!proc.service.healthcheck) {
            throw new Error(
              `${service.name} waits for ${dep.name} to be healthy, but it has no healthcheck`,
            );
          }
          await healthy.get(proc.name);
        }
      }
      const proc = new LocalProcess(service);
      running.set(service.name, proc);
      const ready = waitUntilHealthy(proc, timeoutMs);
      ready.catch(() => undefined); // awaited below; keeps an early failure from going unhandled
      healthy.set(service.name, ready);
    }
    await Promise.all(healthy.values());
    return running;
  } catch (err) {
    await stopServices(running, 5_000);
    throw err;
  }
}

/** Stops in reverse start order and reports how each process ended. */
export async function stopServices(
  running: Map<string, LocalProcess>,
  graceMs: number,
): Promise<Record<string, { code: number | null; signal: NodeJS.Signals | null }>> {
  const results: Record<string, { code: number | null; signal: NodeJS.Signals | null }> = {};
  for (const proc of [...running.values()].reverse()) {
    results[proc.name] = await proc.stop(graceMs);
  }
  return results;
}

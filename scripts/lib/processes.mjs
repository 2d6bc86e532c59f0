// Child processes for `pnpm start` and `pnpm bench`: each in its own process group (so a Ctrl-C
// in the terminal reaches only the script, which then stops them in order), with its output
// prefixed, or written to a log file.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const COLOURS = [36, 35, 33, 32, 34, 31];
const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const QUIET_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'service', 'msg']);
/** Nest's start-up chatter (modules loaded, routes mapped): shown with --raw-logs only. */
const CHATTER = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/** A pino JSON line as `LEVEL msg key=value …`, undefined to skip it; anything else as it is. */
export function formatLine(line) {
  if (!line.startsWith('{')) return line;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null) return line;
  if (entry.level <= 30 && CHATTER.has(entry.context)) return undefined;
  const level = LEVELS[entry.level] ?? String(entry.level ?? 'INFO').toUpperCase();
  const fields = Object.entries(entry)
    .filter(([key]) => !QUIET_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [level.padEnd(5), entry.msg ?? '', ...fields].join(' ').trimEnd();
}

export class ProcessGroup {
  /** `width`: the column the output's `name|` prefixes take, at least the longest name. */
  constructor({ raw, colour, width = 8 }) {
    this.raw = raw;
    this.colour = colour;
    this.children = [];
    this.width = width;
    this.onUnexpectedExit = () => undefined;
    this.stopping = false;
    // A last resort if the script itself dies: no orphans keep the ports.
    process.on('exit', () => this.killAll());
  }

  print(name, text) {
    const label = name.padEnd(this.width);
    const colour = COLOURS[this.children.findIndex((c) => c.name === name) % COLOURS.length];
    const prefix = this.colour && colour ? `\x1b[${colour}m${label}\x1b[0m|` : `${label}|`;
    process.stdout.write(`${prefix} ${text}\n`);
  }

  /**
   * Starts `command` with its output prefixed on stdout, or, with `logFile`, appended to that
   * file without passing through this process (a benchmark's access logs would cost this
   * process more than the service writing them).
   */
  start(name, command, args, { cwd, env, logFile }) {
    const fd = logFile === undefined ? undefined : openSync(logFile, 'a');
    let child;
    try {
      child = spawn(command, args, {
        cwd,
        env,
        stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const entry = {
      name,
      child,
      logFile,
      exited: new Promise((resolve) => child.once('close', resolve)),
    };
    this.children.push(entry);
    for (const stream of fd === undefined ? [child.stdout, child.stderr] : []) {
      createInterface({ input: stream }).on('line', (line) => {
        const text = this.raw ? line : formatLine(line);
        if (text !== undefined) this.print(name, text);
      });
    }
    child.once('error', (err) => this.print(name, `cannot start ${command}: ${err.message}`));
    child.once('close', (code, signal) => {
      if (this.stopping) return;
      this.print(name, `exited unexpectedly (${signal ?? `code ${code}`})`);
      if (logFile !== undefined) {
        for (const line of tailOf(logFile, 20)) this.print(name, formatLine(line) ?? line);
      }
      this.onUnexpectedExit(name);
    });
    return entry;
  }

  /** SIGTERM in reverse start order, each given `graceMs` to drain before SIGKILL. */
  async stopAll(graceMs) {
    this.stopping = true;
    for (const { name, child, exited } of [...this.children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        this.print(name, `still running after ${graceMs} ms; killing it`);
        child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    }
  }

  /** SIGKILL to each child's whole process group, so helpers it forked (nginx's worker) go too. */
  killAll() {
    this.stopping = true;
    for (const { child } of this.children) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // No group to signal (the spawn failed, or the group is already gone): the child alone.
        child.kill('SIGKILL');
      }
    }
  }
}

/** The last `count` lines of a log file, for the reason a service stopped. */
export function tailOf(file, count) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count);
  } catch (err) {
    return [`(cannot read ${file}: ${err.message})`];
  }
}

/** Polls an HTTP URL until it answers 2xx; rejects when `entry`'s process exits or time runs out. */
export async function waitForHttp(url, { timeoutMs, entry }) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (entry && (entry.child.exitCode !== null || entry.child.signalCode !== null)) {
      throw new Error(`${entry.name} exited before ${url} answered`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer 2xx within ${timeoutMs} ms (last: ${last})`);
}

/**
 * Ctrl-C (or SIGTERM) for a script that starts services: the first signal calls `stop()`, an
 * orderly stop; a second one, or one before `orderly()` says an orderly stop can work (NATS and
 * Redis still being found), calls `kill()` and exits at once. What `kill()` must reach: the
 * services, and NATS and Redis when the script started them (they run in process groups of
 * their own, so nothing else would stop them; infra.mjs's exit hook covers one still starting).
 */
export function onInterrupt({ orderly, stop, kill }) {
  let signals = 0;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (++signals > 1 || !orderly()) {
        kill();
        process.exit(130);
      }
      stop();
    });
  }
}

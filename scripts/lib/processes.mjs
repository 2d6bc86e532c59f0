// Child processes for `pnpm start`: each in its own process group (so a Ctrl-C in the terminal
// reaches only start.mjs, which then stops them in order), with its output prefixed.
import { spawn } from 'node:child_process';
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
  constructor({ raw, colour }) {
    this.raw = raw;
    this.colour = colour;
    this.children = [];
    this.width = 8;
    this.onUnexpectedExit = () => undefined;
    this.stopping = false;
    // A last resort if start.mjs itself dies: no orphans keep the ports.
    process.on('exit', () => {
      for (const { child } of this.children) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });
  }

  print(name, text) {
    const label = name.padEnd(this.width);
    const colour = COLOURS[this.children.findIndex((c) => c.name === name) % COLOURS.length];
    const prefix = this.colour && colour ? `\x1b[${colour}m${label}\x1b[0m|` : `${label}|`;
    process.stdout.write(`${prefix} ${text}\n`);
  }

  start(name, command, args, { cwd, env }) {
    const child = spawn(command, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const entry = { name, child, exited: new Promise((resolve) => child.once('close', resolve)) };
    this.children.push(entry);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        const text = this.raw ? line : formatLine(line);
        if (text !== undefined) this.print(name, text);
      });
    }
    child.once('error', (err) => this.print(name, `cannot start ${command}: ${err.message}`));
    child.once('close', (code, signal) => {
      if (this.stopping) return;
      this.print(name, `exited unexpectedly (${signal ?? `code ${code}`})`);
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

  killAll() {
    this.stopping = true;
    for (const { child } of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
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

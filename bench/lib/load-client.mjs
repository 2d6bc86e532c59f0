// The orchestrator's side of the load worker: forks it once, sends it one run at a time over
// IPC and stops it at the end, or when the bench is interrupted.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./load-worker.mjs', import.meta.url));

export class LoadClient {
  constructor(child) {
    this.child = child;
    this.pending = new Map();
    this.nextId = 1;
    child.on('message', ({ id, result, error }) => {
      const waiter = this.pending.get(id);
      if (!waiter) return;
      this.pending.delete(id);
      if (error) waiter.reject(new Error(`load worker: ${error}`));
      else waiter.resolve(result);
    });
    child.once('exit', (code, signal) => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`the load worker exited (${signal ?? `code ${code}`})`));
      }
      this.pending.clear();
    });
    // A last resort if the orchestrator dies without stopping it.
    process.on('exit', () => this.kill());
  }

  /** Forks the worker and resolves once it is ready for commands. */
  static start() {
    // detached: a Ctrl-C reaches the orchestrator only, which stops the worker itself.
    const child = fork(WORKER, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true,
    });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the load worker exited with code ${code}`)));
      child.once('message', () => resolve(new LoadClient(child)));
    });
  }

  /** Runs one measurement (`closed` or `open`) and resolves with its result. */
  run(kind, options) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, kind, options });
    });
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop() {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    const timer = setTimeout(() => this.kill(), 2_000);
    await exited;
    clearTimeout(timer);
  }

  kill() {
    if (this.running) this.child.kill('SIGKILL');
  }
}

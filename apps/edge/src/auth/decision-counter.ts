import { Counter, type Registry } from 'prom-client';

/**
 * A gate's decisions by where the verdict came from (`source`) and what it was (`outcome`):
 * one prom-client counter, with each label pair's child kept, so counting a warm request costs
 * no label hashing.
 */
export class DecisionCounter {
  private readonly counter: Counter<'source' | 'outcome'>;
  private readonly children = new Map<string, { inc(): void }>();

  constructor(registry: Registry, name: string, help: string) {
    this.counter = new Counter({
      name,
      help,
      labelNames: ['source', 'outcome'],
      registers: [registry],
    });
  }

  inc(source: string, outcome: string): void {
    const key = `${source}\0${outcome}`;
    let child = this.children.get(key);
    if (!child) this.children.set(key, (child = this.counter.labels(source, outcome)));
    child.inc();
  }
}

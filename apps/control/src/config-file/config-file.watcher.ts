import { Injectable, Logger } from '@nestjs/common';
import { type FSWatcher, watch } from 'chokidar';

/** Editors save in bursts (truncate, write, rename); one reload follows the last event. */
export const RELOAD_DEBOUNCE_MS = 300;

/** Watches the config file and the definitions it names; calls back once per burst of changes. */
@Injectable()
export class ConfigFileWatcher {
  private readonly logger = new Logger(ConfigFileWatcher.name);
  private watcher?: FSWatcher;
  private watched = new Set<string>();
  private timer?: NodeJS.Timeout;

  async start(files: string[], onChange: () => void): Promise<void> {
    this.watched = new Set(files);
    const watcher = watch(files, { ignoreInitial: true, atomic: true });
    this.watcher = watcher;
    const fire = (event: string, path: string): void => {
      this.logger.debug({ event, path }, 'config file change seen');
      clearTimeout(this.timer);
      this.timer = setTimeout(onChange, RELOAD_DEBOUNCE_MS);
    };
    watcher.on('add', (p) => fire('add', p));
    watcher.on('change', (p) => fire('change', p));
    watcher.on('unlink', (p) => fire('unlink', p));
    watcher.on('error', (err) =>
      this.logger.warn({ err: String(err) }, 'config file watcher error'),
    );
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.logger.log({ files }, 'watching the config file');
  }

  /** After a reload the file may name other definitions: watch exactly the current set. */
  update(files: string[]): void {
    if (!this.watcher) return;
    const next = new Set(files);
    const added = files.filter((f) => !this.watched.has(f));
    const removed = [...this.watched].filter((f) => !next.has(f));
    if (added.length > 0) this.watcher.add(added);
    if (removed.length > 0) this.watcher.unwatch(removed);
    this.watched = next;
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.watcher?.close();
    this.watcher = undefined;
  }
}

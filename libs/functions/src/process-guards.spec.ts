import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { installProcessGuards } from './process-guards';

const run = promisify(execFile);

/** A plain Node child: only a real process shows whether a stray error ends it. */
function script(guarded: boolean): string {
  return [
    `import { installProcessGuards } from ${JSON.stringify(join(__dirname, 'process-guards.ts'))};`,
    guarded
      ? `installProcessGuards({ error: (o, msg) => console.log(msg + ': ' + o.err.message) });`
      : '',
    `Promise.reject(new Error('stray rejection'));`,
    `setTimeout(() => { throw new Error('stray throw'); }, 5);`,
    `setTimeout(() => console.log('still serving'), 50);`,
  ].join('\n');
}

const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);

describe('installProcessGuards', () => {
  (stripsTypes ? it : it.skip)(
    'logs stray rejections and throws from handlers instead of ending the process',
    async () => {
      const args = ['--no-warnings', '--input-type=module', '-e'];
      const { stdout } = await run(process.execPath, [...args, script(true)]);
      expect(stdout).toContain(
        'Unhandled promise rejection in a handler; still serving: stray rejection',
      );
      expect(stdout).toContain('Uncaught exception in a handler; still serving: stray throw');
      expect(stdout).toContain('still serving');
      // Without the guards the same code ends the process: the test above shows the difference.
      await expect(run(process.execPath, [...args, script(false)])).rejects.toMatchObject({
        code: 1,
      });
    },
  );

  it('removes what it installed', () => {
    const listeners = new Map<string, unknown>();
    const target = {
      on: (event: string, fn: unknown) => listeners.set(event, fn),
      off: (event: string) => listeners.delete(event),
    } as unknown as Pick<NodeJS.Process, 'on' | 'off'>;
    const remove = installProcessGuards({ error: () => undefined }, target);
    expect([...listeners.keys()].sort()).toEqual(['uncaughtException', 'unhandledRejection']);
    remove();
    expect(listeners.size).toBe(0);
  });
});

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { LineBatch } from './line-batch';

class Target {
  writes: string[] = [];
  synced = 0;
  write(data: string): boolean {
    this.writes.push(data);
    return true;
  }
  flushSync(): void {
    this.synced++;
  }
}

describe('LineBatch', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('hands lines over in one write once a batch is full, in order', () => {
    const target = new Target();
    const batch = new LineBatch(target, 20, 1000);
    batch.write('one 12345\n');
    expect(target.writes).toEqual([]);
    batch.write('two 12345\n');
    batch.write('three\n');
    expect(target.writes).toEqual(['one 12345\ntwo 12345\n']);
  });

  it('writes a light trickle within the flush interval, and nothing when idle', () => {
    const target = new Target();
    const batch = new LineBatch(target, 16 * 1024, 200);
    batch.write('a\n');
    jest.advanceTimersByTime(199);
    expect(target.writes).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(target.writes).toEqual(['a\n']);
    jest.advanceTimersByTime(1000);
    expect(target.writes).toHaveLength(1);
  });

  it('writes what it holds synchronously through the destination on flushSync', () => {
    const target = new Target();
    const batch = new LineBatch(target, 16 * 1024, 200);
    batch.write('last words\n');
    batch.flushSync();
    expect(target.writes).toEqual(['last words\n']);
    expect(target.synced).toBe(1);
  });
});

describe('createPinoLogger', () => {
  it('loses no line when the process exits right after logging them', () => {
    const script = `
      const { createPinoLogger } = require(${JSON.stringify(join(__dirname, '../../dist/index.js'))});
      const log = createPinoLogger('t', 'info');
      for (let i = 0; i < 5000; i++) log.info({ i }, 'line');
      process.exit(0);`;
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(5000);
    expect(JSON.parse(lines[4999]!)).toMatchObject({ i: 4999, msg: 'line', service: 't' });
  });
});

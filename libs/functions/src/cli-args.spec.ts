import { parseCliArgs, UsageError } from './cli-args';

describe('parseCliArgs', () => {
  it('reads the module, name, handler and concurrency', () => {
    expect(
      parseCliArgs(['./handler.js', '--name', 'pets', '--handler', 'main', '--concurrency', '8']),
    ).toEqual({
      module: './handler.js',
      name: 'pets',
      handler: 'main',
      concurrency: 8,
      help: false,
    });
  });

  it('defaults the handler export and leaves concurrency to the runner', () => {
    expect(parseCliArgs(['--name=pets', 'dist/fn.mjs'])).toEqual({
      module: 'dist/fn.mjs',
      name: 'pets',
      handler: 'handler',
      concurrency: undefined,
      help: false,
    });
  });

  it('answers --help without requiring anything else', () => {
    expect(parseCliArgs(['--help']).help).toBe(true);
  });

  it.each([
    [[], /Missing the handler module/],
    [['a.js', 'b.js', '--name', 'x'], /Exactly one handler module/],
    [['a.js'], /Missing --name/],
    [['a.js', '--name', 'no spaces'], /Invalid --name/],
    [['a.js', '--name', 'x', '--concurrency', '0'], /Invalid --concurrency/],
    [['a.js', '--name', 'x', '--concurrency', '2.5'], /Invalid --concurrency/],
    [['a.js', '--name', 'x', '--handler', 'a.b'], /Invalid --handler/],
    [['a.js', '--name', 'x', '--bogus'], /bogus/],
  ])('rejects %j with a usage error', (argv, message) => {
    let err: unknown;
    try {
      parseCliArgs(argv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain('Usage: portico-fn');
  });
});

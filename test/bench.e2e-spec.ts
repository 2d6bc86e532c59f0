/**
 * `pnpm bench --quick`, run as a user runs it: a child process that starts every target on free
 * ports (NATS and Redis found or started as `pnpm start` does), measures them and writes its
 * report into a temporary directory. Asserts what the run must produce, never how fast anything
 * was: timing goals live in the benchmark's report, not in tests.
 *
 * Needs `pnpm build` first (Portico runs from dist/); `pnpm test` builds before it tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { BenchResult } from '../bench/lib/result.mjs';

const repo = join(__dirname, '..');
const TARGETS = [
  'direct',
  'nginx',
  'fast-gateway',
  'portico-passthrough',
  'portico-apikey',
  'portico-apikey-throttle',
  'portico-jwt',
  'portico-function',
  'portico-mock',
  'portico-passthrough-10k',
];
const PORTICO = TARGETS.filter((name) => name.startsWith('portico-'));
const WS_SCENARIOS = ['ws-echo', 'ws-post', 'ws-channel', 'ws-idle'];

jest.setTimeout(300_000);

/** Whether `name` is installed where the bench looks: PATH, then the sbin directories. */
function installed(name: string): boolean {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/sbin',
    '/usr/local/sbin',
    '/sbin',
  ];
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

describe('pnpm bench --quick', () => {
  let out: string;
  let child: ChildProcess | undefined;
  let code: number | null;
  let stdout = '';
  let stderr = '';
  let result: BenchResult;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'portico-bench-test-'));
    child = spawn(process.execPath, [join(repo, 'bench/cli.mjs'), '--quick', '--out', out], {
      cwd: repo,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    code = await new Promise((resolve) => child?.once('close', resolve));
    child = undefined;
    const file = join(out, 'latest-quick.json');
    if (existsSync(file)) result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
  });

  afterAll(() => {
    // Only if the suite timed out: the bench stops everything it started on SIGTERM.
    child?.kill('SIGTERM');
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('exits 0 and writes its JSON report', () => {
    expect({
      code,
      output: code === 0 ? '' : `${stdout.slice(-4000)}\n${stderr.slice(-2000)}`,
    }).toEqual({
      code: 0,
      output: '',
    });
    expect(result).toBeDefined();
    expect(result.mode).toBe('quick');
    expect(result.failures).toEqual([]);
  });

  it('lists every target in run order; nginx measured when installed, else skipped with the reason', () => {
    expect(result.targets.map((t) => t.name)).toEqual(TARGETS);
    const nginx = result.targets.find((t) => t.name === 'nginx');
    if (installed('nginx')) {
      expect(nginx).toMatchObject({ status: 'measured' });
      expect(result.versions.nginx).toMatch(/nginx\/\d/);
    } else {
      expect(nginx).toMatchObject({
        status: 'skipped',
        reason: expect.stringMatching(/not installed/),
      });
    }
    for (const target of result.targets.filter((t) => t.name !== 'nginx')) {
      expect({ [target.name]: target.status }).toEqual({ [target.name]: 'measured' });
    }
  });

  it('measured every target once per round, with a throughput above zero', () => {
    const { rounds } = result.plan;
    expect(rounds).toBe(2);
    for (const target of result.targets.filter((t) => t.status === 'measured')) {
      const row = result.closed.find((r) => r.target === target.name);
      expect({ [target.name]: row?.rps }).toEqual({ [target.name]: expect.any(Number) });
      expect(row?.rps).toBeGreaterThan(0);
      const perRound = result.runs
        .filter((r) => r.target === target.name && r.phase === 'round')
        .map((r) => r.round);
      expect({ [target.name]: perRound }).toEqual({ [target.name]: [1, 2] });
    }
  });

  it('ran the open model for every target beside direct at the same rate', () => {
    const measured = result.targets.filter((t) => t.status === 'measured' && t.name !== 'direct');
    expect(result.open.map((r) => r.target)).toEqual(measured.map((t) => t.name));
    for (const row of result.open) {
      expect(row.achievedRate).toBeGreaterThan(0);
      expect(row.directP99).toEqual(expect.any(Number));
      expect(row.addedP99).toEqual(expect.any(Number));
    }
  });

  it('got only 200s with the exact body from Portico, in the closed and the open model', () => {
    for (const name of PORTICO) {
      const closed = result.closed.find((r) => r.target === name);
      const open = result.open.find((r) => r.target === name);
      for (const [model, row] of [
        ['closed', closed],
        ['open', open],
      ] as const) {
        expect({ name, model, errors: row?.total, mismatches: row?.mismatches }).toEqual({
          name,
          model,
          errors: 0,
          mismatches: 0,
        });
      }
    }
  });

  it('ran every WebSocket scenario, and every reply and push arrived', () => {
    const { scenarios, results, plan } = result.webSocket;
    expect(scenarios.map((s) => [s.name, s.status])).toEqual(
      WS_SCENARIOS.map((name) => [name, 'measured']),
    );
    const echo = results['ws-echo'];
    expect(echo?.closed?.rps).toBeGreaterThan(0);
    expect(echo?.open?.map((run) => run.label)).toEqual(['goal rate', '50% of peak']);
    expect(echo?.open?.[0]?.offeredRate).toBe(plan.echoRate);
    for (const run of echo?.open ?? []) expect(run.achievedRate).toBeGreaterThan(0);
    for (const name of ['ws-post', 'ws-channel']) {
      const { expected, delivered } = results[name] ?? {};
      expect({ name, expected }).toEqual({ name, expected: expect.any(Number) });
      expect(expected).toBeGreaterThan(0);
      expect(delivered).toBeGreaterThanOrEqual(expected ?? Infinity);
    }
    const idle = results['ws-idle'];
    expect(idle).toMatchObject({
      attempted: plan.idleConnections,
      held: plan.idleConnections,
      drainedS: expect.any(Number),
    });
    expect(idle?.rssPerConnection).toEqual(expect.any(Number));
    expect(idle?.heapPerConnection).toEqual(expect.any(Number));
  });

  it('reports the goals with the numbers measured', () => {
    expect(result.goals.map((g) => g.id)).toEqual([
      'passthrough-vs-fast-gateway',
      'passthrough-added-p99',
      '10k-vs-passthrough',
      'ws-idle-connections',
      'ws-rss-per-connection',
      'ws-echo-p99',
      'apikey-decision-cost',
      'jwt-decision-cost',
      'apikey-throttle-vs-fast-gateway',
    ]);
    for (const goal of result.goals) {
      expect(goal.measured).toEqual(expect.any(Number));
      expect(typeof goal.met).toBe('boolean');
    }
  });

  it('measured the API key and JWT targets warm against the passthrough of the same run', () => {
    const passthrough = result.closed.find((r) => r.target === 'portico-passthrough');
    expect(result.authorization.map((r) => r.target)).toEqual(['portico-apikey', 'portico-jwt']);
    for (const row of result.closed.filter((r) => r.target.startsWith('portico-'))) {
      expect({ [row.target]: row.edgeCpuUs }).toEqual({ [row.target]: expect.any(Number) });
      expect(row.edgeCpuUs).toBeGreaterThan(0);
    }
    for (const row of result.authorization) {
      const measuredRow = result.closed.find((r) => r.target === row.target);
      expect({ [row.target]: row }).toEqual({
        [row.target]: {
          target: row.target,
          rps: measuredRow?.rps,
          passthroughRps: passthrough?.rps,
          toPassthrough: expect.any(Number),
          cost: expect.any(Number),
          // The edge's own CPU per request, read from its /metrics around every run.
          edgeCpuUs: expect.any(Number),
          passthroughCpuUs: expect.any(Number),
          cpuCost: expect.any(Number),
          met: expect.any(Boolean),
        },
      });
    }
    // Every request carried its key or token, and the key's usage plan admitted it: an answer
    // other than 200 with the upstream's body (403, 429) would have been counted above and
    // failed the run. Both models report the statuses they got.
    const authorized = ['portico-apikey', 'portico-apikey-throttle', 'portico-jwt'];
    const statuses = result.runs
      .filter((r) => authorized.includes(r.target))
      .map((r) => [r.target, r.model, Object.keys((r.statusCodes as object | undefined) ?? {})]);
    expect(new Set(statuses.map(([target]) => target))).toEqual(new Set(authorized));
    for (const [target, model, codes] of statuses) {
      expect({ target, model, codes }).toEqual({ target, model, codes: ['200'] });
    }
    // The key and the token never reach the report.
    expect(JSON.stringify(result)).not.toMatch(/x-api-key|Bearer /);
  });

  it('measured the API key with throttling and a quota against fast-gateway in the same run', () => {
    const row = result.closed.find((r) => r.target === 'portico-apikey-throttle');
    const fastGateway = result.closed.find((r) => r.target === 'fast-gateway');
    const goal = result.goals.find((g) => g.id === 'apikey-throttle-vs-fast-gateway');
    expect(goal).toMatchObject({ unit: '×', threshold: 0.7 });
    expect(goal?.measured).toBeCloseTo((row?.rps ?? NaN) / (fastGateway?.rps ?? NaN), 9);
    expect(row?.toFastGateway).toBe(goal?.measured);
  });

  it('writes the markdown and the chart, timestamped and as latest-quick', () => {
    const files = result.files;
    expect(files).toBeDefined();
    for (const file of [
      files?.md,
      files?.svg,
      join(out, 'latest-quick.md'),
      join(out, 'latest-quick.svg'),
    ]) {
      expect(existsSync(file ?? '')).toBe(true);
    }
    const md = readFileSync(join(out, 'latest-quick.md'), 'utf8');
    expect(md).toContain('## Goals');
    expect(md).toContain('## WebSocket');
    expect(md).toContain('## Authorization (warm decisions)');
    for (const target of ['portico-apikey', 'portico-jwt']) {
      // Edge µs per request (target, passthrough), its cost; req/s (target, passthrough), its cost.
      expect(md).toMatch(
        new RegExp(
          `^\\| ${target} \\| [\\d.]+ \\| [\\d.]+ \\| -?[\\d.]+% \\| [\\d,]+ \\| [\\d,]+ \\| -?[\\d.]+% \\| (yes|\\*\\*no\\*\\*) \\|$`,
          'm',
        ),
      );
    }
    expect(md).toContain('**ws-idle**: 2,000 idle connections held by one edge');
    expect(md).toContain('| portico-passthrough-10k |');
    const svg = readFileSync(join(out, 'latest-quick.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const name of TARGETS) expect(svg).toContain(`>${name}</text>`);
    // The markdown is printed at the end as well.
    expect(stdout).toContain('# Portico benchmark (quick)');
  });

  it('printed a progress line per run as it went', () => {
    for (const name of result.targets.filter((t) => t.status === 'measured').map((t) => t.name)) {
      const line = new RegExp(
        `^bench \\| round 2/2 · ${name} · [\\d,]+ req/s · p99 [\\d.]+ ms( · [\\d,]+ errors)?$`,
        'm',
      );
      expect(stdout).toMatch(line);
    }
    expect(stdout).toMatch(/^bench \| open · portico-passthrough at [\d,]+ req\/s · /m);
    expect(stdout).toMatch(/^bench \| ws-echo · open at 5,000 msg\/s \(goal rate\) · /m);
    expect(stdout).toMatch(/^bench \| ws-idle · 2,000 connections held /m);
  });
});

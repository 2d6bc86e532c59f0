/**
 * The arithmetic and the reports of `pnpm bench` (bench/lib), on made-up runs: medians over
 * rounds, ratios, open-model pairs, goals, the failures that set the exit status, and what the
 * markdown and the chart show. The harness itself runs in bench.e2e-spec.ts.
 */
import { renderMarkdown } from '../bench/lib/report-md.mjs';
import { renderSvg } from '../bench/lib/report-svg.mjs';
import { assembleResult, type StackTarget } from '../bench/lib/result.mjs';
import {
  DECISION_COST_GOAL,
  decisionCosts,
  errorCounts,
  evaluateGoals,
  failuresOf,
  median,
  otherStatuses,
  type Run,
  summarizeClosed,
  summarizeOpen,
  type TargetInfo,
  THROTTLE_GOAL,
  webSocketErrors,
} from '../bench/lib/summary.mjs';

const latency = (p99: number) => ({ p50: p99 / 4, p90: p99 / 2, p99, p999: p99 * 2, max: p99 * 3 });
const clean = { errors: 0, timeouts: 0, non2xx: 0, mismatches: 0 };

function closed(target: string, round: number, rps: number, p99: number, extra = {}): Run {
  return {
    target,
    model: 'closed',
    phase: 'round',
    round,
    rps,
    latencyMs: latency(p99),
    ...clean,
    ...extra,
  };
}

function open(pair: string, role: 'direct' | 'target', rate: number, p99: number, extra = {}): Run {
  return {
    target: role === 'direct' ? 'direct' : pair,
    model: 'open',
    phase: 'open',
    pair,
    role,
    offeredRate: rate,
    achievedRate: rate - 1,
    latencyMs: latency(p99),
    ...clean,
    ...extra,
  };
}

const measured = (...names: string[]): TargetInfo[] =>
  names.map((name) => ({ name, status: 'measured' }));

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('ignores values that were not measured, and has none for nothing', () => {
    expect(median([undefined, 5, Number.NaN])).toBe(5);
    expect(median([])).toBeUndefined();
  });
});

describe('summarizeClosed', () => {
  const runs = [
    closed('direct', 1, 20_000, 2),
    closed('direct', 2, 30_000, 4),
    closed('direct', 3, 10_000, 3),
    closed('fast-gateway', 1, 8_000, 10),
    closed('fast-gateway', 2, 10_000, 12),
    closed('fast-gateway', 3, 12_000, 11),
    closed('portico-passthrough', 1, 9_000, 9, { mismatches: 2 }),
    closed('portico-passthrough', 2, 9_500, 8, { non2xx: 1, timeouts: 1 }),
    closed('portico-passthrough', 3, 9_200, 7),
    // Warm-up runs never count towards the medians.
    { ...closed('portico-passthrough', 0, 1, 900), phase: 'warm-up' as const },
  ];
  const targets: TargetInfo[] = [
    ...measured('direct', 'fast-gateway', 'portico-passthrough'),
    { name: 'nginx', status: 'skipped', reason: 'not installed' },
  ];
  const rows = summarizeClosed(targets, runs);
  const row = (name: string) => rows.find((r) => r.target === name);

  it('takes the median of each figure over the rounds', () => {
    expect(row('direct')).toMatchObject({ runs: 3, rps: 20_000, p99: 3, p50: 0.75 });
    expect(row('portico-passthrough')).toMatchObject({ runs: 3, rps: 9_200, p99: 8, p999: 16 });
  });

  it('relates throughput to direct and to fast-gateway', () => {
    expect(row('portico-passthrough')?.toDirect).toBeCloseTo(0.46);
    expect(row('portico-passthrough')?.toFastGateway).toBeCloseTo(0.92);
    expect(row('fast-gateway')?.toFastGateway).toBe(1);
  });

  it('adds up errors, timeouts, non-2xx answers and mismatches of the rounds', () => {
    expect(row('portico-passthrough')).toMatchObject({
      mismatches: 2,
      non2xx: 1,
      timeouts: 1,
      total: 4,
    });
    expect(row('direct')?.total).toBe(0);
  });

  it('keeps a skipped target with its reason and no numbers', () => {
    expect(row('nginx')).toMatchObject({ status: 'skipped', reason: 'not installed', runs: 0 });
    expect(row('nginx')?.rps).toBeUndefined();
    expect(row('nginx')?.toDirect).toBeUndefined();
  });
});

describe('summarizeOpen and evaluateGoals', () => {
  const runs = [
    closed('direct', 1, 40_000, 2),
    closed('fast-gateway', 1, 10_000, 10),
    closed('portico-passthrough', 1, 9_500, 9),
    closed('portico-passthrough-10k', 1, 8_000, 12),
    open('fast-gateway', 'direct', 5_000, 1.5),
    open('fast-gateway', 'target', 5_000, 4),
    open('portico-passthrough', 'direct', 4_750, 1.2),
    open('portico-passthrough', 'target', 4_750, 2.7),
  ];
  const closedRows = summarizeClosed(
    measured('direct', 'fast-gateway', 'portico-passthrough', 'portico-passthrough-10k'),
    runs,
  );
  const openRows = summarizeOpen(runs);

  it('pairs every target with direct at the same rate and subtracts', () => {
    expect(openRows.map((r) => r.target)).toEqual(['fast-gateway', 'portico-passthrough']);
    const portico = openRows[1];
    expect(portico).toMatchObject({
      offeredRate: 4_750,
      achievedRate: 4_749,
      p99: 2.7,
      directP99: 1.2,
    });
    expect(portico?.addedP99).toBeCloseTo(1.5);
    expect(portico?.addedP50).toBeCloseTo(0.375);
  });

  it('reports each goal with its measured value, met or not', () => {
    const goals = evaluateGoals(closedRows, openRows);
    expect(goals.map((g) => [g.id, g.met])).toEqual([
      ['passthrough-vs-fast-gateway', true],
      ['passthrough-added-p99', true],
      ['10k-vs-passthrough', false],
      ['ws-idle-connections', null],
      ['ws-rss-per-connection', null],
      ['ws-echo-p99', null],
      ['apikey-decision-cost', null],
      ['jwt-decision-cost', null],
      ['apikey-throttle-vs-fast-gateway', null],
    ]);
    expect(goals[0]?.measured).toBeCloseTo(0.95);
    expect(goals[2]?.measured).toBeCloseTo(0.842, 3);
  });

  it('says a goal was not measured when its targets did not run', () => {
    const goals = evaluateGoals(summarizeClosed(measured('direct'), runs), []);
    expect(goals.map((g) => g.met)).toEqual([null, null, null, null, null, null, null, null, null]);
  });

  it('judges the WebSocket goals on the idle scenario and the echo run at the goal rate', () => {
    const goals = evaluateGoals(closedRows, openRows, {
      'ws-idle': { held: 18_000, rssPerConnection: 6_000 },
      'ws-echo': {
        closed: { rps: 6_000, latencyMs: latency(10) },
        open: [
          { label: 'goal rate', offeredRate: 5_000, latencyMs: latency(2.5) },
          { label: '50% of peak', offeredRate: 3_000, latencyMs: latency(9) },
        ],
      },
    });
    expect(goals.slice(3, 6).map((g) => [g.id, g.measured, g.met])).toEqual([
      ['ws-idle-connections', 18_000, false],
      ['ws-rss-per-connection', 6_000, true],
      ['ws-echo-p99', 2.5, true],
    ]);
  });
});

describe('the API key + throttling goal', () => {
  const goalOf = (throttledRps: number) =>
    evaluateGoals(
      summarizeClosed(measured('fast-gateway', 'portico-apikey-throttle'), [
        closed('fast-gateway', 1, 10_000, 10),
        closed('portico-apikey-throttle', 1, throttledRps, 12),
      ]),
      [],
    ).find((g) => g.id === 'apikey-throttle-vs-fast-gateway');

  it("is met at 0.7× fast-gateway's throughput in the same run or more, and not below", () => {
    expect(goalOf(7_000)).toMatchObject({
      measured: 0.7,
      unit: '×',
      threshold: THROTTLE_GOAL,
      met: true,
    });
    expect(goalOf(6_999)).toMatchObject({ met: false });
    expect(goalOf(6_999)?.measured).toBeCloseTo(0.6999, 4);
    expect(THROTTLE_GOAL).toBe(0.7);
  });

  it('is not measured when the target did not run', () => {
    const goal = evaluateGoals(
      summarizeClosed(measured('fast-gateway'), [closed('fast-gateway', 1, 10_000, 10)]),
      [],
    ).find((g) => g.id === 'apikey-throttle-vs-fast-gateway');
    expect(goal).toMatchObject({ measured: undefined, met: null });
  });
});

describe('decisionCosts', () => {
  const costs = (runs: Run[]) =>
    decisionCosts(
      summarizeClosed(measured('portico-passthrough', 'portico-apikey', 'portico-jwt'), runs),
    );

  it('is 1 − (target req/s ÷ passthrough req/s), on the medians of the same run', () => {
    const rows = costs([
      closed('portico-passthrough', 1, 9_000, 5),
      closed('portico-passthrough', 2, 10_000, 5),
      closed('portico-passthrough', 3, 11_000, 5),
      closed('portico-apikey', 1, 9_600, 5),
      closed('portico-apikey', 2, 9_500, 5),
      closed('portico-apikey', 3, 1_000, 5),
      closed('portico-jwt', 1, 8_000, 5),
    ]);
    expect(rows.map((r) => r.target)).toEqual(['portico-apikey', 'portico-jwt']);
    expect(rows[0]).toMatchObject({ rps: 9_500, passthroughRps: 10_000, met: true });
    expect(rows[0]?.toPassthrough).toBeCloseTo(0.95);
    expect(rows[0]?.cost).toBeCloseTo(0.05);
    expect(rows[1]).toMatchObject({ rps: 8_000, passthroughRps: 10_000, met: false });
    expect(rows[1]?.cost).toBeCloseTo(0.2);
  });

  it('judges the goal strictly below 10%, and a faster target as a negative cost that meets it', () => {
    expect(DECISION_COST_GOAL).toBe(0.1);
    const rows = costs([
      closed('portico-passthrough', 1, 10_000, 5),
      closed('portico-apikey', 1, 9_000, 5),
      closed('portico-jwt', 1, 10_200, 5),
    ]);
    expect(rows[0]?.cost).toBeCloseTo(0.1);
    expect(rows[0]?.met).toBe(false);
    expect(rows[1]?.cost).toBeCloseTo(-0.02);
    expect(rows[1]?.met).toBe(true);
  });

  it('is not measured without the passthrough or the target', () => {
    const withoutPassthrough = costs([closed('portico-apikey', 1, 9_000, 5)]);
    expect(withoutPassthrough.map((r) => [r.cost, r.met])).toEqual([
      [undefined, null],
      [undefined, null],
    ]);
    const jwtOnly = costs([
      closed('portico-passthrough', 1, 10_000, 5),
      closed('portico-jwt', 1, 9_900, 5),
    ]);
    expect(jwtOnly.map((r) => r.met)).toEqual([null, true]);
  });

  it("judges the edge's CPU per request when it was measured: 1 − passthrough µs ÷ target µs", () => {
    const cpu = (edgeCpuUs: number) => ({ edgeCpuUs });
    const rows = costs([
      closed('portico-passthrough', 1, 10_000, 5, cpu(100)),
      closed('portico-passthrough', 2, 6_000, 5, cpu(104)),
      closed('portico-passthrough', 3, 9_000, 5, cpu(90)),
      // Slower in throughput (another process took the CPU), cheap on the edge: met.
      closed('portico-apikey', 1, 7_000, 5, cpu(104)),
      closed('portico-apikey', 2, 7_000, 5, cpu(106)),
      closed('portico-apikey', 3, 7_000, 5, cpu(300)),
      // As fast in throughput, but 20% more edge CPU per request: not met.
      closed('portico-jwt', 1, 10_000, 5, cpu(125)),
    ]);
    expect(rows[0]).toMatchObject({ edgeCpuUs: 106, passthroughCpuUs: 100, met: true });
    expect(rows[0]?.cpuCost).toBeCloseTo(6 / 106);
    expect(rows[0]?.cost).toBeCloseTo(0.222, 3);
    expect(rows[1]).toMatchObject({ edgeCpuUs: 125, met: false });
    expect(rows[1]?.cpuCost).toBeCloseTo(0.2);
    const goals = evaluateGoals(
      summarizeClosed(measured('portico-passthrough', 'portico-apikey', 'portico-jwt'), [
        closed('portico-passthrough', 1, 10_000, 5, cpu(100)),
        closed('portico-apikey', 1, 5_000, 5, cpu(105)),
      ]),
      [],
    ).filter((g) => g.unit === '%');
    expect(goals[0]?.measured).toBeCloseTo(5 / 105);
    expect(goals[0]?.met).toBe(true);
  });

  it('becomes one goal per target, measured as the cost', () => {
    const closedRows = summarizeClosed(measured('portico-passthrough', 'portico-apikey'), [
      closed('portico-passthrough', 1, 10_000, 5),
      closed('portico-apikey', 1, 9_700, 5),
    ]);
    const goals = evaluateGoals(closedRows, []).filter((g) => g.unit === '%');
    expect(goals.map((g) => [g.id, g.met, g.threshold])).toEqual([
      ['apikey-decision-cost', true, 0.1],
      ['jwt-decision-cost', null, 0.1],
    ]);
    expect(goals[0]?.measured).toBeCloseTo(0.03);
  });
});

describe('webSocketErrors', () => {
  const echo = (open: Array<Record<string, number | string>>) => ({
    closed: { rps: 4_000, latencyMs: latency(5), timeouts: 0, mismatches: 0 },
    open: open.map((run) => ({ latencyMs: latency(5), timeouts: 0, mismatches: 0, ...run })),
  });

  it('counts replies lost or altered within the peak, not the load shed above it', () => {
    const result = echo([
      { label: 'goal rate', offeredRate: 5_000, timeouts: 40, mismatches: 40 },
      { label: '50% of peak', offeredRate: 2_000, timeouts: 1, mismatches: 2 },
    ]);
    expect(webSocketErrors(result)).toMatchObject({ timeouts: 1, mismatches: 2, total: 3 });
  });

  it('counts pushes that never arrived, altered pushes and clients the edge dropped', () => {
    const post = {
      requests: 100,
      ...clean,
      non2xx: 1,
      expected: 99,
      delivered: 97,
      corrupted: 1,
      closedEarly: 2,
    };
    expect(webSocketErrors(post)).toMatchObject({
      non2xx: 1,
      lost: 2,
      corrupted: 1,
      closedEarly: 2,
      total: 6,
    });
    // In-flight requests when the run stopped are delivered without an answer: not an error.
    expect(
      webSocketErrors({ ...post, non2xx: 0, delivered: 120, corrupted: 0, closedEarly: 0 }).total,
    ).toBe(0);
  });

  it('counts an edge that still held connections after every client closed', () => {
    expect(webSocketErrors({ held: 10, drainedS: 0.4 }).total).toBe(0);
    expect(webSocketErrors({ held: 10 })).toMatchObject({ undrained: 1, total: 1 });
  });

  it('fails the run for a scenario with errors or one that could not run', () => {
    const scenarios: TargetInfo[] = [
      { name: 'ws-echo', status: 'measured' },
      { name: 'ws-post', status: 'measured' },
      { name: 'ws-idle', status: 'failed', reason: 'ws-idle: 3 of 10 handshakes failed' },
    ];
    const lines = failuresOf([], [], scenarios, {
      'ws-echo': echo([{ label: 'goal rate', offeredRate: 3_000, timeouts: 2 }]),
      'ws-post': { requests: 10, ...clean, expected: 10, delivered: 10 },
    });
    expect(lines).toEqual([
      'ws-echo: 2 timeouts',
      'ws-idle: failed — ws-idle: 3 of 10 handshakes failed',
    ]);
  });
});

describe('failuresOf', () => {
  it('names a Portico target with any error in any phase, with its counts', () => {
    const runs = [
      closed('portico-mock', 1, 100, 1),
      { ...open('portico-function', 'target', 10, 1), mismatches: 3 },
      { ...closed('portico-function', 0, 100, 1), phase: 'warm-up' as const, errors: 1 },
      // Other targets' errors are reported in the tables but do not fail the run.
      closed('fast-gateway', 1, 100, 1, { errors: 7 }),
    ];
    const lines = failuresOf(measured('fast-gateway', 'portico-mock', 'portico-function'), runs);
    expect(lines).toEqual([
      'portico-function: warm-up: 1 errors, 0 timeouts, 0 non-2xx, 0 mismatches; ' +
        'open: 0 errors, 0 timeouts, 0 non-2xx, 3 mismatches',
    ]);
  });

  it('names the statuses other than 200 that a target answered, closed and open model together', () => {
    const runs = [
      closed('portico-apikey-throttle', 1, 100, 1, {
        non2xx: 5,
        mismatches: 5,
        statusCodes: { '200': 95, '429': 5 },
      }),
      closed('portico-apikey-throttle', 2, 100, 1, {
        non2xx: 2,
        mismatches: 2,
        statusCodes: { '200': 98, '429': 1, '403': 1 },
      }),
      { ...open('portico-apikey-throttle', 'target', 10, 1), non2xx: 1, statusCodes: { '403': 1 } },
    ];
    expect(otherStatuses(runs)).toBe('403 ×2, 429 ×6');
    expect(otherStatuses([closed('direct', 1, 1, 1, { statusCodes: { '200': 10 } })])).toBe('');
    expect(failuresOf(measured('portico-apikey-throttle'), runs)).toEqual([
      'portico-apikey-throttle: round: 0 errors, 0 timeouts, 7 non-2xx, 7 mismatches (answered 403 ×1, 429 ×6); ' +
        'open: 0 errors, 0 timeouts, 1 non-2xx, 0 mismatches (answered 403 ×1)',
    ]);
  });

  it('names a target that failed to start', () => {
    const targets: TargetInfo[] = [
      { name: 'nginx', status: 'failed', reason: 'did not start: bad config' },
    ];
    expect(failuresOf(targets, [])).toEqual(['nginx: failed — did not start: bad config']);
  });

  it('counts nothing for clean runs', () => {
    expect(errorCounts([closed('direct', 1, 1, 1)]).total).toBe(0);
  });
});

describe('the reports', () => {
  const targets: StackTarget[] = [
    { name: 'direct', status: 'ready' },
    { name: 'nginx', status: 'skipped', reason: 'not installed (sudo apt-get install -y nginx)' },
    { name: 'fast-gateway', status: 'ready' },
    { name: 'portico-passthrough', status: 'ready' },
    { name: 'portico-apikey', status: 'ready' },
    { name: 'portico-jwt', status: 'failed', reason: 'did not start: no API key' },
  ];
  const runs = [
    closed('direct', 1, 40_000, 2.5),
    closed('fast-gateway', 1, 10_000, 10),
    closed('portico-passthrough', 1, 9_500, 9),
    closed('portico-apikey', 1, 8_740, 9.5),
    open('portico-passthrough', 'direct', 4_750, 1.2),
    open('portico-passthrough', 'target', 4_750, 2.7),
  ];
  const input = {
    mode: 'quick' as const,
    command: 'pnpm bench --quick',
    startedAt: new Date('2026-01-02T03:04:05Z'),
    machine: {
      cpu: 'Test <CPU>',
      cores: 2,
      memoryBytes: 2 ** 33,
      os: 'Linux',
      node: 'v24.0.0',
      loadAverage: [0.5],
    },
    versions: {
      portico: { commit: 'abcdef1234567890', dirty: false },
      fastGateway: '3.4.7',
      autocannon: '8.0.0',
    },
    plan: { connections: 32, warmupS: 1, rounds: 1, runS: 3, openS: 3, logLevel: 'info' },
    targets,
    runs,
    startup: {},
  };
  const result = assembleResult(input);

  it('marks the targets that answered as measured', () => {
    expect(result.targets.map((t) => t.status)).toEqual([
      'measured',
      'skipped',
      'measured',
      'measured',
      'measured',
      'failed',
    ]);
  });

  it('writes the command, the machine, both tables and the goals in markdown', () => {
    const md = renderMarkdown(result);
    expect(md).toContain('`pnpm bench --quick`');
    expect(md).toContain('Test <CPU> · 2 cores · 8.0 GiB');
    expect(md).toContain(
      '| portico-passthrough | 9,500 | 2.3 | 4.5 | 9.0 | 18.0 | 0 | 0.24× | 0.95× |',
    );
    expect(md).toContain('| nginx | skipped: not installed (sudo apt-get install -y nginx) |');
    expect(md).toContain(
      '| portico-passthrough | 4,750 | 4,749 | 0.68 | 2.7 | 5.4 | 1.2 | +0.38 | +1.5 | 0 |',
    );
    expect(md).toContain(
      '**met** — portico-passthrough throughput ≥ 0.9× fast-gateway: measured 0.950×',
    );
    expect(md).toContain('**not measured** — portico-passthrough-10k throughput');
  });

  it('keeps the decision costs in the JSON and writes them against the passthrough in markdown', () => {
    expect(result.authorization.map((r) => [r.target, r.met])).toEqual([
      ['portico-apikey', true],
      ['portico-jwt', null],
    ]);
    expect(result.authorization[0]?.cost).toBeCloseTo(0.08);
    const md = renderMarkdown(result);
    expect(md).toContain('## Authorization (warm decisions)');
    // Without the edge's CPU figures, the throughput cost is what is judged.
    expect(md).toContain('| portico-apikey | – | – | – | 8,740 | 9,500 | 8.0% | yes |');
    expect(md).toContain(
      '| portico-jwt | not measured (portico-jwt failed: did not start: no API key) |',
    );
    expect(md).toContain(
      '**met** — portico-apikey: a warm decision costs < 10% of portico-passthrough throughput: measured 8.0%',
    );
    expect(md).toContain('**not measured** — portico-jwt: a warm decision costs < 10%');
  });

  it('writes the WebSocket scenarios: throughput, latency, deliveries and memory per connection', () => {
    const md = renderMarkdown(
      assembleResult({
        ...input,
        wsPlan: {
          idleConnections: 50_000,
          echoClients: 50,
          echoRate: 5_000,
          receivers: 32,
          members: 100,
        },
        scenarios: [
          { name: 'ws-echo', status: 'ready' },
          { name: 'ws-post', status: 'skipped', reason: 'not selected (--only)' },
          { name: 'ws-channel', status: 'ready' },
          { name: 'ws-idle', status: 'ready' },
        ],
        webSocket: {
          'ws-echo': {
            clients: 50,
            closed: { rps: 4_000, latencyMs: latency(8), timeouts: 0, mismatches: 0 },
            open: [
              {
                label: 'goal rate',
                offeredRate: 5_000,
                achievedRate: 4_100,
                latencyMs: latency(90),
                timeouts: 30,
                mismatches: 0,
              },
              {
                label: '50% of peak',
                offeredRate: 2_000,
                achievedRate: 2_000,
                latencyMs: latency(2),
                timeouts: 0,
                mismatches: 0,
              },
            ],
          },
          'ws-channel': {
            members: 100,
            publishers: 4,
            requests: 1_000,
            ...clean,
            rps: 500,
            latencyMs: latency(6),
            expected: 100_000,
            delivered: 100_300,
            deliveriesPerS: 50_150,
          },
          'ws-idle': {
            held: 18_000,
            attempted: 18_000,
            requested: 50_000,
            openFilesLimit: 20_000,
            sources: 1,
            perSecond: 2_500,
            handshakeMs: latency(40),
            before: { rssBytes: 400 * 2 ** 20 },
            after: { rssBytes: 520 * 2 ** 20 },
            rssPerConnection: 7_000,
            heapPerConnection: 4_096,
            drainedS: 1.25,
          },
        },
      }),
    );
    expect(md).toContain('## WebSocket');
    expect(md).toContain(
      '| ws-echo, 50 clients, closed model | 4,000 msg/s | 2.0 | 8.0 | 16.0 | 0 |',
    );
    expect(md).toContain(
      '| ws-echo, open model at 5,000 msg/s (goal rate) | 4,100 msg/s | 22.5 | 90.0 | 180 | 30 shed (over the peak) |',
    );
    expect(md).toContain(
      '| ws-channel, @channels to 100 members, 4 publishers | 500 publishes/s = 50,150 deliveries/s (100,300 delivered, ≥ 100,000 due) |',
    );
    expect(md).toContain(
      '**ws-idle**: 18,000 idle connections held by one edge (50,000 asked; the open-files limit is 20,000 per process)',
    );
    expect(md).toContain('**6.8 KB per connection** (heap 4.0 KB)');
    expect(md).toContain('the edge held none 1.3 s later');
    expect(md).toContain('ws-post: skipped — not selected (--only)');
    expect(md).toContain(
      '**not met** — ≥ 50,000 idle WebSocket connections held by one edge: measured 18,000',
    );
    expect(md).toContain(
      '**met** — ≤ 8 KB of edge RSS per idle WebSocket connection: measured 6.8 KB',
    );
  });

  it('draws a bar and a value per measured target, and names every target', () => {
    const svg = renderSvg(result);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const name of ['direct', 'nginx', 'fast-gateway', 'portico-passthrough']) {
      expect(svg).toContain(`>${name}</text>`);
    }
    // Two panels: throughput and p99, four bars each (nginx was skipped, portico-jwt failed).
    expect(svg.match(/<rect x="190"/g)).toHaveLength(8);
    expect(svg).toContain('>9,500</text>');
    expect(svg).toContain('>9.0 ms</text>');
    expect(svg).not.toMatch(/<CPU>/);
  });
});

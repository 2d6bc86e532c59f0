// The markdown report: what was run and where, both tables, what authorization costs and the goals.
import { count, kib, ms, percent, ratio, signedMs } from './format.mjs';
import { DECISION_COST_GOAL, overPeak, webSocketErrors } from './summary.mjs';
import { AUTH_BASELINE } from './targets.mjs';

const table = (header, rows) =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map((h, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

export function machineLine({ machine }) {
  const memory = `${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB`;
  return `${machine.cpu} · ${machine.cores} cores · ${memory} · ${machine.os} · Node ${machine.node}`;
}

function versionsLine({ versions }) {
  const commit = versions.portico
    ? `${versions.portico.commit.slice(0, 12)}${versions.portico.dirty ? ' (uncommitted changes)' : ''}`
    : 'unknown';
  return [
    `portico ${commit}`,
    `fast-gateway ${versions.fastGateway}`,
    versions.nginx ?? 'nginx not run',
    `autocannon ${versions.autocannon}`,
  ].join(' · ');
}

function planLine({ plan }) {
  return (
    `closed model: ${plan.connections} connections, a ${plan.warmupS} s warm-up per target, then ` +
    `${plan.rounds} rounds of ${plan.runS} s per target (A B C … A B C …); open model: ` +
    `${plan.openLoad * 100}% of each target's median peak for ${plan.openS} s, beside the ` +
    `upstream alone at the same rate; Portico LOG_LEVEL=${plan.logLevel}.`
  );
}

function closedTable(rows) {
  return table(
    [
      'target',
      'req/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'p99.9 ms',
      'errors',
      '× direct',
      '× fast-gateway',
    ],
    rows.map((r) =>
      r.status === 'measured'
        ? [
            r.target,
            count(r.rps),
            ms(r.p50),
            ms(r.p90),
            ms(r.p99),
            ms(r.p999),
            count(r.total),
            ratio(r.toDirect),
            ratio(r.toFastGateway),
          ]
        : [r.target, `${r.status}: ${r.reason}`, '', '', '', '', '', '', ''],
    ),
  );
}

function openTable(rows) {
  return table(
    [
      'target',
      'offered req/s',
      'achieved req/s',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'direct p99 ms',
      'added p50 ms',
      'added p99 ms',
      'errors',
    ],
    rows.map((r) => [
      r.target,
      count(r.offeredRate),
      count(r.achievedRate),
      ms(r.p50),
      ms(r.p99),
      ms(r.p999),
      ms(r.directP99),
      signedMs(r.addedP50),
      signedMs(r.addedP99),
      count(r.total),
    ]),
  );
}

/** A goal's measured value in its unit. */
const GOAL_VALUES = {
  ms: (v) => `${ms(v)} ms`,
  '×': (v) => ratio(v, 3),
  bytes: (v) => `${kib(v)} KB`,
  connections: (v) => count(v),
  '%': (v) => percent(v),
};

/** Microseconds, one decimal; a dash when not measured. */
const us = (value) => (Number.isFinite(value) ? value.toFixed(1) : '–');

/**
 * The authorization targets beside the passthrough of the same run: the share of its throughput
 * a warm decision costs — measured as the edge's CPU per request, and as throughput — and
 * whether that is under the goal.
 */
function authorizationSection({ authorization, targets }) {
  const statusOf = (name) => targets.find((t) => t.name === name);
  const rows = authorization.map((row) => {
    if (row.met === null) {
      const missing = [row.target, AUTH_BASELINE]
        .map(statusOf)
        .find((t) => t && t.status !== 'measured');
      const why = missing
        ? `${missing.name} ${missing.status}: ${missing.reason}`
        : 'no throughput';
      return [row.target, `not measured (${why})`, '', '', '', '', '', ''];
    }
    return [
      row.target,
      us(row.edgeCpuUs),
      us(row.passthroughCpuUs),
      percent(row.cpuCost),
      count(row.rps),
      count(row.passthroughRps),
      percent(row.cost),
      row.met ? 'yes' : '**no**',
    ];
  });
  return [
    `The passthrough behind a warm, cached decision (an API key, a JWT), against ${AUTH_BASELINE} ` +
      'in the same run, two ways. Edge CPU: the CPU time the edge itself spent per request ' +
      '(median of the rounds, from its process_cpu_seconds_total), cost = 1 − ' +
      `${AUTH_BASELINE} µs ÷ target µs — the throughput the decision costs an edge that is the ` +
      'bottleneck, and what the goal judges, since on a shared machine the load generator, the ' +
      'upstream and other work take CPU from under the throughput figures. Throughput: cost = ' +
      `1 − (req/s ÷ ${AUTH_BASELINE} req/s).`,
    '',
    table(
      [
        'target',
        'edge µs/req',
        `${AUTH_BASELINE} µs/req`,
        'cost (edge CPU)',
        'req/s',
        `${AUTH_BASELINE} req/s`,
        'cost (throughput)',
        `under ${DECISION_COST_GOAL * 100}%`,
      ],
      rows,
    ),
  ];
}

/**
 * The WebSocket scenarios: one table of message and push throughput with latency, and the idle
 * connections held with the edge's memory per connection.
 */
function webSocketSection({ webSocket }) {
  const { scenarios, results } = webSocket;
  const lines = [];
  const latencyCells = (l) => [ms(l?.p50), ms(l?.p99), ms(l?.p999)];
  // Requests still in flight when the run stopped were delivered but not answered: more may
  // arrive than the answered requests promise, never fewer.
  const delivery = (r) => `${count(r.delivered)} delivered, ≥ ${count(r.expected)} due`;
  const rows = [];
  const echo = results['ws-echo'];
  if (echo) {
    const errors = count(echo.closed.timeouts + echo.closed.mismatches);
    rows.push([
      `ws-echo, ${echo.clients} clients, closed model`,
      `${count(echo.closed.rps)} msg/s`,
      ...latencyCells(echo.closed.latencyMs),
      errors,
    ]);
    for (const run of echo.open) {
      const failed = run.timeouts + run.mismatches;
      rows.push([
        `ws-echo, open model at ${count(run.offeredRate)} msg/s (${run.label})`,
        `${count(run.achievedRate)} msg/s`,
        ...latencyCells(run.latencyMs),
        overPeak(echo, run) && failed > 0 ? `${count(failed)} shed (over the peak)` : count(failed),
      ]);
    }
  }
  const post = results['ws-post'];
  if (post) {
    rows.push([
      `ws-post, @connections to ${post.receivers} connections`,
      `${count(post.rps)} posts/s (${delivery(post)})`,
      ...latencyCells(post.latencyMs),
      count(webSocketErrors(post).total),
    ]);
  }
  const channel = results['ws-channel'];
  if (channel) {
    rows.push([
      `ws-channel, @channels to ${channel.members} members, ${channel.publishers} publishers`,
      `${count(channel.rps)} publishes/s = ${count(channel.deliveriesPerS)} deliveries/s ` +
        `(${delivery(channel)})`,
      ...latencyCells(channel.latencyMs),
      count(webSocketErrors(channel).total),
    ]);
  }
  if (rows.length) {
    lines.push(table(['scenario', 'throughput', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors'], rows));
  }
  const idle = results['ws-idle'];
  if (idle) {
    const limited =
      idle.attempted < idle.requested
        ? ` (${count(idle.requested)} asked; the open-files limit is ${count(idle.openFilesLimit)} per process)`
        : '';
    lines.push(
      '',
      `**ws-idle**: ${count(idle.held)} idle connections held by one edge${limited}, opened at ` +
        `${count(idle.perSecond)}/s from ${idle.sources} source address` +
        `${idle.sources === 1 ? '' : 'es'} (handshake p50 ` +
        `${ms(idle.handshakeMs.p50)} ms, p99 ${ms(idle.handshakeMs.p99)} ms). The edge's RSS went ` +
        `from ${count(idle.before.rssBytes / 2 ** 20)} to ${count(idle.after.rssBytes / 2 ** 20)} MB: ` +
        `**${kib(idle.rssPerConnection)} KB per connection** (heap ${kib(idle.heapPerConnection)} KB). ` +
        (idle.drainedS === undefined
          ? 'After the clients closed, the edge still counted connections.'
          : `After the clients closed, the edge held none ${idle.drainedS.toFixed(1)} s later.`),
    );
  }
  for (const s of scenarios.filter((entry) => entry.status !== 'measured')) {
    lines.push('', `${s.name}: ${s.status} — ${s.reason}`);
  }
  return lines.length ? lines : ['No WebSocket scenarios ran.'];
}

function goalLines(goals) {
  return goals.map((g) => {
    const value = GOAL_VALUES[g.unit](g.measured);
    const verdict = g.met === null ? 'not measured' : g.met ? 'met' : 'not met';
    return `- **${verdict}** — ${g.text}: measured ${value}`;
  });
}

/** The whole report for a result object as written to the JSON file. */
export function renderMarkdown(result) {
  const notes = [...result.notes];
  for (const line of result.failures) notes.push(`failure: ${line}`);
  return [
    `# Portico benchmark (${result.mode})`,
    '',
    `Command: \`${result.command}\` — ${result.startedAt}, ${Math.round(result.durationS)} s`,
    '',
    `Machine: ${machineLine(result)}`,
    '',
    `Versions: ${versionsLine(result)}`,
    '',
    `Plan: ${planLine(result)}`,
    '',
    '## Saturation (closed model, medians over rounds)',
    '',
    closedTable(result.closed),
    '',
    `## Added latency at ${result.plan.openLoad * 100}% of peak (open model)`,
    '',
    result.open.length ? openTable(result.open) : 'No open-model runs.',
    '',
    '## Authorization (warm decisions)',
    '',
    ...authorizationSection(result),
    '',
    '## WebSocket',
    '',
    ...webSocketSection(result),
    '',
    '## Goals',
    '',
    ...goalLines(result.goals),
    ...(notes.length ? ['', '## Notes', '', ...notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}

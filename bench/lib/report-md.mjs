// The markdown report: what was run and where, both tables and the goals.
import { count, ms, ratio, signedMs } from './format.mjs';

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

function goalLines(goals) {
  return goals.map((g) => {
    const value = g.unit === 'ms' ? `${ms(g.measured)} ms` : ratio(g.measured, 3);
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
    '## Goals',
    '',
    ...goalLines(result.goals),
    ...(notes.length ? ['', '## Notes', '', ...notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}

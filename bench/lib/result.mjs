// The result of a run as one object (the JSON file), and the three files written from it.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { count, fileStamp, ms } from './format.mjs';
import { renderMarkdown } from './report-md.mjs';
import { renderSvg } from './report-svg.mjs';
import {
  decisionCosts,
  errorCounts,
  evaluateGoals,
  failuresOf,
  OPEN_LOAD,
  summarizeClosed,
  summarizeOpen,
} from './summary.mjs';

const seconds = (value) => (Number.isFinite(value) ? `${(value / 1000).toFixed(1)} s` : 'unknown');

/** Lines worth knowing beside the tables: how Portico started, warm-up errors, generator lag. */
function notesOf({ targets, scenarios, runs, startup, machine }) {
  const notes = [];
  for (const t of [...targets, ...scenarios]) {
    if (t.status !== 'measured') notes.push(`${t.name}: ${t.status} — ${t.reason}`);
  }
  if (startup.apis) {
    const apis = Object.entries(startup.apis)
      .map(([id, api]) => `${id} ${count(api.routes)} routes (${count(api.bytes / 1024)} KB)`)
      .join(', ');
    notes.push(
      `Portico start-up: control deployed the config file (${apis}) ${seconds(startup.controlDeployedMs)} ` +
        `after it was started and was ready after ${seconds(startup.controlReadyMs)}; the edge was ready after ` +
        `${seconds(startup.edgeReadyMs)} and served every route after ${seconds(startup.edgeServingMs)}, ` +
        `holding ${count(startup.edgeMemory?.rssBytes / 2 ** 20)} MB RSS ` +
        `(${count(startup.edgeMemory?.heapUsedBytes / 2 ** 20)} MB heap).`,
    );
  }
  for (const t of targets) {
    const warm = errorCounts(runs.filter((r) => r.target === t.name && r.phase === 'warm-up'));
    if (warm.total) notes.push(`${t.name}: ${count(warm.total)} errors in the warm-up`);
  }
  const lags = runs.filter((r) => r.model === 'open').map((r) => r.sendLagMs?.p99);
  if (lags.length) {
    notes.push(
      `open-model generator: send lag p99 at most ${ms(Math.max(...lags.filter(Number.isFinite)))} ms ` +
        '(timer granularity and load; each request is timed from its scheduled send, and direct at ' +
        'the same rate carries the same lag, so "added" is not affected).',
    );
  }
  notes.push(
    `load average before the run: ${machine.loadAverage.join(', ')} (other work on the machine skews every number).`,
  );
  return notes;
}

/** Everything the JSON file holds. */
export function assembleResult({
  mode,
  command,
  startedAt,
  machine,
  versions,
  plan,
  targets,
  runs,
  startup,
  wsPlan,
  scenarios = [],
  webSocket = {},
}) {
  const list = (entries) =>
    entries.map(({ name, status, reason, url, host }) => ({
      name,
      status: status === 'ready' ? 'measured' : status,
      reason,
      url,
      host,
    }));
  const listed = list(targets);
  const listedScenarios = list(scenarios);
  const closed = summarizeClosed(listed, runs);
  const open = summarizeOpen(runs);
  const finishedAt = new Date();
  return {
    schema: 1,
    mode,
    command,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt - startedAt) / 1000,
    machine,
    versions,
    plan: { ...plan, openLoad: OPEN_LOAD, targets: listed.map((t) => t.name) },
    targets: listed,
    startup,
    closed,
    open,
    authorization: decisionCosts(closed),
    webSocket: { plan: wsPlan, scenarios: listedScenarios, results: webSocket },
    goals: evaluateGoals(closed, open, webSocket),
    failures: failuresOf(listed, runs, listedScenarios, webSocket),
    notes: notesOf({ targets: listed, scenarios: listedScenarios, runs, startup, machine }),
    runs,
  };
}

/** Writes <stamp>-<mode>.{md,json,svg} into `dir` and copies them to latest-<mode>.*. */
export function writeResult(dir, result) {
  mkdirSync(dir, { recursive: true });
  const base = `${fileStamp(new Date(result.startedAt))}-${result.mode}`;
  const files = {};
  for (const ext of ['md', 'json', 'svg']) files[ext] = join(dir, `${base}.${ext}`);
  result.files = files;
  const markdown = renderMarkdown(result);
  writeFileSync(files.md, markdown);
  writeFileSync(files.svg, renderSvg(result));
  writeFileSync(files.json, `${JSON.stringify(result, null, 2)}\n`);
  for (const ext of ['md', 'json', 'svg'])
    copyFileSync(files[ext], join(dir, `latest-${result.mode}.${ext}`));
  return { files, markdown };
}

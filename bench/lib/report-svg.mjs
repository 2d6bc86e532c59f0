// The chart: two panels of horizontal bars, throughput and p99 latency per target, each bar
// labelled with its value. Written by hand as an SVG string; no charting library.
import { count, ms, xml } from './format.mjs';

const WIDTH = 760;
const LABEL_WIDTH = 190;
const BAR_AREA = 440;
const ROW = 26;
const PANEL_HEADER = 34;
const PANEL_GAP = 18;

const colourOf = (name) =>
  name === 'direct'
    ? '#8a8f98'
    : name === 'nginx'
      ? '#3a9a5b'
      : name === 'fast-gateway'
        ? '#d98a2b'
        : '#2f6fd6';

function panel(title, rows, value, label, top) {
  const max = Math.max(...rows.map(value).filter(Number.isFinite), 0);
  const parts = [
    `<text x="10" y="${top + 22}" font-size="15" font-weight="bold">${xml(title)}</text>`,
  ];
  rows.forEach((row, i) => {
    const y = top + PANEL_HEADER + i * ROW;
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 17}" text-anchor="end">${xml(row.target)}</text>`,
    );
    const v = value(row);
    if (!Number.isFinite(v)) {
      parts.push(
        `<text x="${LABEL_WIDTH + 4}" y="${y + 17}" fill="#777">${xml(row.reason ? `${row.status}: ${row.reason}` : 'not measured')}</text>`,
      );
      return;
    }
    const width = max > 0 ? Math.max(1, (v / max) * BAR_AREA) : 1;
    parts.push(
      `<rect x="${LABEL_WIDTH}" y="${y + 4}" width="${width.toFixed(1)}" height="${ROW - 8}" fill="${colourOf(row.target)}"/>`,
      `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + 17}">${xml(label(v))}</text>`,
    );
  });
  return parts;
}

/** The chart for a result object as written to the JSON file. */
export function renderSvg(result) {
  const rows = result.closed;
  const panelHeight = PANEL_HEADER + rows.length * ROW;
  const height = 40 + 2 * panelHeight + PANEL_GAP + 10;
  const subtitle = `${result.mode} run, ${result.plan.connections} connections, medians of ${result.plan.rounds} rounds · ${result.startedAt}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="17" font-weight="bold">Portico benchmark</text>`,
    `<text x="180" y="22" fill="#555">${xml(subtitle)}</text>`,
    ...panel('Throughput (req/s, higher is better)', rows, (r) => r.rps, count, 30),
    ...panel(
      'p99 latency at saturation (ms, lower is better)',
      rows,
      (r) => r.p99,
      (v) => `${ms(v)} ms`,
      30 + panelHeight + PANEL_GAP,
    ),
    '</svg>',
    '',
  ].join('\n');
}

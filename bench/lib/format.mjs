// Number formatting shared by the progress lines, the markdown report and the chart.

const UNDEFINED = '–';

/** 10412.3 → "10,412". */
export function count(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : UNDEFINED;
}

/** Milliseconds with the precision the size calls for: 0.42, 7.9, 123. */
export function ms(value) {
  if (!Number.isFinite(value)) return UNDEFINED;
  // Judged after rounding, so 0.998 is "1.0", not "1.00".
  const size = Math.abs(value);
  return value.toFixed(size < 0.995 ? 2 : size < 99.95 ? 1 : 0);
}

/** A latency difference, always signed: +1.2, -0.05. */
export function signedMs(value) {
  if (!Number.isFinite(value)) return UNDEFINED;
  return `${value >= 0 ? '+' : '-'}${ms(Math.abs(value))}`;
}

/** 0.9312 → "0.93×" (`digits` more for a value judged against a threshold: "0.898×"). */
export function ratio(value, digits = 2) {
  return Number.isFinite(value) ? `${value.toFixed(digits)}×` : UNDEFINED;
}

/** A share as a signed percentage with one decimal: 0.0412 → "4.1%", -0.003 → "-0.3%". */
export function percent(value) {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : UNDEFINED;
}

/** Text safe inside SVG/XML elements and attributes. */
export function xml(text) {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** 2026-11-22T10:03:23.178Z → "20261122T100323Z", for file names. */
export function fileStamp(date) {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** Bytes as kibibytes with one decimal: 6348 → "6.2". */
export function kib(bytes) {
  return Number.isFinite(bytes) ? (bytes / 1024).toFixed(1) : UNDEFINED;
}

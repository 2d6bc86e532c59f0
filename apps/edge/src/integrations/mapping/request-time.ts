const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number): string => String(n).padStart(2, '0');

// Requests in the same second share the text: it is built for every function event.
let lastSecond = Number.NaN;
let lastText = '';

/** `$context.requestTime` as AWS writes it: `22/Nov/2026:08:00:00 +0000` (CLF, UTC). */
export function formatRequestTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second === lastSecond) return lastText;
  const d = new Date(second * 1000);
  lastText =
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  lastSecond = second;
  return lastText;
}

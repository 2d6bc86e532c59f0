// The one response body every target answers with: the upstream serves it, the function returns
// it, the mock integration's template is it, and the load generators check every answer against
// it, so a target that answers anything else shows up as a mismatch, not as speed.
//
// Deterministic, exactly 1024 bytes of JSON, ASCII only, and free of `$` and `#` so that the
// mock integration's VTL template renders it unchanged.

/** The body's length in bytes. */
export const BODY_SIZE = 1024;

export const CONTENT_TYPE = 'application/json';

function buildBody() {
  const items = Array.from({ length: 8 }, (_, i) => ({
    id: i + 1,
    sku: `BENCH-${String(i + 1).padStart(4, '0')}`,
    name: `Benchmark item ${i + 1}`,
    price: (i + 1) * 2.5,
    inStock: i % 3 !== 0,
  }));
  const shape = { service: 'portico-bench', version: 1, items, pad: '' };
  const padding = BODY_SIZE - JSON.stringify(shape).length;
  if (padding < 0) throw new Error(`the bench body is ${-padding} bytes over ${BODY_SIZE}`);
  shape.pad = 'x'.repeat(padding);
  return JSON.stringify(shape);
}

/** The body as text (what autocannon's expectBody compares with). */
export const BODY = buildBody();

/** The body as bytes (what the upstream sends and the open-model generator compares with). */
export const BODY_BYTES = Buffer.from(BODY, 'utf8');

if (BODY_BYTES.length !== BODY_SIZE || /[$#]/.test(BODY)) {
  throw new Error('the bench body must be 1024 bytes of ASCII JSON without $ or #');
}

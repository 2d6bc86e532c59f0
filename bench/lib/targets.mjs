// The targets, in the order every round runs them: the upstream alone (the ceiling), two
// reference proxies, then Portico's integrations — the passthrough, the same passthrough behind
// an API key and behind a JWT authorizer (right after it, so drift hits all three alike) — and
// the same passthrough on a 10,000-route API.
export const TARGETS = [
  'direct',
  'nginx',
  'fast-gateway',
  'portico-passthrough',
  'portico-apikey',
  'portico-jwt',
  'portico-function',
  'portico-mock',
  'portico-passthrough-10k',
];

/**
 * The WebSocket scenarios, run after the HTTP targets in this order: message round trips through
 * a function, @connections posts, channel fan-out, then idle connections held (last, because
 * they leave the edge's heap grown).
 */
export const WS_SCENARIOS = ['ws-echo', 'ws-post', 'ws-channel', 'ws-idle'];

/** Always run, whatever --only says: the ratios are taken against them. */
export const BASELINES = ['direct', 'fast-gateway'];

export const isPortico = (name) => name.startsWith('portico-');

/**
 * The passthrough behind an authorization decision, each judged against portico-passthrough
 * measured in the same run: the share of its throughput a warm (cached) decision costs.
 */
export const AUTH_TARGETS = ['portico-apikey', 'portico-jwt'];

/** The baseline AUTH_TARGETS are judged against. */
export const AUTH_BASELINE = 'portico-passthrough';

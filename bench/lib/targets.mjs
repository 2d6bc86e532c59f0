// The targets, in the order every round runs them: the upstream alone (the ceiling), two
// reference proxies, then Portico's integrations — the passthrough, the same passthrough behind
// an API key, behind an API key with throttling at every level and a quota, and behind a JWT
// authorizer (right after it, so drift hits them alike) — and the same passthrough on a
// 10,000-route API.
export const TARGETS = [
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

/** The targets whose requests carry an API key: the auth service runs when one is selected. */
export const API_KEY_TARGETS = ['portico-apikey', 'portico-apikey-throttle'];

/**
 * The passthrough behind an API key with throttling at every level and a quota, judged against
 * fast-gateway's passthrough in the same run (issue 6).
 */
export const THROTTLE_TARGET = 'portico-apikey-throttle';

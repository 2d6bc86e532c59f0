// The targets, in the order every round runs them: the upstream alone (the ceiling), two
// reference proxies, then Portico's integrations and the same passthrough on a 10,000-route API.
export const TARGETS = [
  'direct',
  'nginx',
  'fast-gateway',
  'portico-passthrough',
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

/**
 * Connection-specific headers (RFC 9110 §7.6.1, plus the legacy Keep-Alive and
 * Proxy-Connection): they describe one hop, so they are dropped in both directions, requests to
 * integrations and responses to clients. Names are lower case.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

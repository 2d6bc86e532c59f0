/**
 * Whether a handshake's Origin may connect. An empty allowlist allows any. A request without
 * Origin is not from a browser page (browsers always send it on WebSocket handshakes), so
 * cross-site hijacking, which the list guards against, does not apply to it.
 */
export function originAllowed(allowed: readonly string[], origin: string | undefined): boolean {
  if (allowed.length === 0 || origin === undefined) return true;
  const o = origin.toLowerCase().replace(/\/$/, '');
  return allowed.some((a) => a === '*' || a.toLowerCase().replace(/\/$/, '') === o);
}

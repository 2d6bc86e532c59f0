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

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * New connections per second per API on this edge: a token bucket whose burst is one second's
 * worth. (The ratelimit service will make it cluster-wide; this bounds one edge meanwhile.)
 */
export class ConnectionRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  take(apiId: string, perSecond: number): boolean {
    if (perSecond <= 0) return true;
    const now = this.now();
    let b = this.buckets.get(apiId);
    if (!b) {
      b = { tokens: perSecond, refilledAt: now };
      this.buckets.set(apiId, b);
    }
    b.tokens = Math.min(perSecond, b.tokens + ((now - b.refilledAt) / 1000) * perSecond);
    b.refilledAt = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

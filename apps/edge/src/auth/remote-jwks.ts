import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { request } from 'undici';

export interface RemoteJwksOptions {
  /** The whole fetch: connect, headers and body. */
  timeoutMs: number;
  /** An unknown key id fetches the set again at most this often. */
  cooldownMs: number;
  /** A fetched set is used this long, then fetched again. */
  maxAgeMs: number;
  /** A larger answer is not a key set. */
  maxBytes: number;
}

/** The key set could not be had (unreachable, slow, not 200, not a key set): never a 401. */
export class JwksUnavailable extends Error {}

/**
 * An issuer's JSON Web Key Set from its URL, for jose's `jwtVerify`. Like jose's remote set —
 * cached for `maxAgeMs`, fetched again (at most once per `cooldownMs`) for a key id it does not
 * hold, one fetch at a time — but every fetch is bounded as a whole (jose 5 bounds only the wait
 * for headers, so a server that stalls mid-body would hold every request) and in size. Key
 * selection is jose's: by `kid` and the algorithm's key type, never from the token's `jwk` or `jku`.
 */
export class RemoteJwks {
  private keys?: JWTVerifyGetKey;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private loading?: Promise<void>;

  /**
   * `source`: the key set's URL, or `{ discover: issuer }` to find it as OpenID discovery does —
   * `{issuer}/.well-known/openid-configuration`, whose `issuer` must be that issuer exactly and
   * whose `jwks_uri` names the set (looked up again whenever the set is).
   */
  constructor(
    private readonly source: string | { discover: string },
    private readonly options: RemoteJwksOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** What this set is fetched from, for messages. */
  get url(): string {
    return typeof this.source === 'string'
      ? this.source
      : `${this.source.discover.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  }

  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (!this.keys || this.now() - this.fetchedAt >= this.options.maxAgeMs) await this.reload();
    try {
      return await this.keys!(header, token);
    } catch (err) {
      if (
        err instanceof errors.JWKSNoMatchingKey &&
        this.now() - this.fetchedAt >= this.options.cooldownMs
      ) {
        // Keys rotate: a new kid may be in a fresher copy.
        await this.reload();
        return this.keys!(header, token);
      }
      throw err;
    }
  };

  private reload(): Promise<void> {
    this.loading ??= this.fetch().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async fetch(): Promise<void> {
    const setUrl = typeof this.source === 'string' ? this.source : await this.discover();
    const text = await this.download(setUrl, 'Key set');
    let keys: JWTVerifyGetKey;
    try {
      keys = createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
    } catch {
      throw new JwksUnavailable(`Key set ${setUrl} is not a JSON Web Key Set`);
    }
    this.keys = keys;
    this.fetchedAt = this.now();
  }

  /** The key set's URL from the issuer's OpenID configuration. */
  private async discover(): Promise<string> {
    const issuer = (this.source as { discover: string }).discover;
    const text = await this.download(this.url, 'OpenID configuration');
    let config: { issuer?: unknown; jwks_uri?: unknown };
    try {
      config = JSON.parse(text) as typeof config;
    } catch {
      throw new JwksUnavailable(`OpenID configuration ${this.url} is not JSON`);
    }
    // OpenID Connect Discovery: the document must name the issuer it was fetched for, so one
    // issuer cannot hand out another's keys.
    if (config.issuer !== issuer) {
      throw new JwksUnavailable(
        `OpenID configuration ${this.url} is for issuer ${JSON.stringify(config.issuer)}, not ${issuer}`,
      );
    }
    const jwksUri = typeof config.jwks_uri === 'string' ? config.jwks_uri : '';
    let parsed: URL | undefined;
    try {
      parsed = new URL(jwksUri);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== new URL(issuer).protocol)) {
      throw new JwksUnavailable(
        `OpenID configuration ${this.url} names no usable jwks_uri (${JSON.stringify(config.jwks_uri)})`,
      );
    }
    return jwksUri;
  }

  /** The body of a 200 answer, bounded in time and size; anything else is JwksUnavailable. */
  private async download(url: string, what: string): Promise<string> {
    try {
      return await this.read(url, what);
    } catch (err) {
      if (err instanceof JwksUnavailable) throw err;
      const reason =
        err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : String(err);
      throw new JwksUnavailable(`${what} ${url}: ${reason}`);
    }
  }

  private async read(url: string, what: string): Promise<string> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const res = await request(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      signal,
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new JwksUnavailable(`${what} ${url} answered ${res.statusCode}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > this.options.maxBytes) {
        res.body.destroy();
        throw new JwksUnavailable(`${what} ${url} is larger than ${this.options.maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

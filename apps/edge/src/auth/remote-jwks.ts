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

  constructor(
    readonly url: string,
    private readonly options: RemoteJwksOptions,
    private readonly now: () => number = Date.now,
  ) {}

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
    let text: string;
    try {
      text = await this.download();
    } catch (err) {
      if (err instanceof JwksUnavailable) throw err;
      const reason =
        err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : String(err);
      throw new JwksUnavailable(`Key set ${this.url}: ${reason}`);
    }
    let keys: JWTVerifyGetKey;
    try {
      keys = createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
    } catch {
      throw new JwksUnavailable(`Key set ${this.url} is not a JSON Web Key Set`);
    }
    this.keys = keys;
    this.fetchedAt = this.now();
  }

  private async download(): Promise<string> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const res = await request(this.url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      signal,
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new JwksUnavailable(`Key set ${this.url} answered ${res.statusCode}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > this.options.maxBytes) {
        res.body.destroy();
        throw new JwksUnavailable(
          `Key set ${this.url} is larger than ${this.options.maxBytes} bytes`,
        );
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

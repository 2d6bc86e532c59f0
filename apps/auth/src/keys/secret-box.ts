import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ServiceError } from '@portico/platform';

/** The first box format: `v1.<iv>.<tag>.<ciphertext>`, sealed by some configured secret. */
const LEGACY = 'v1';
/** The current one: `v2.<key id>.<iv>.<tag>.<ciphertext>`, naming the secret that sealed it. */
const VERSION = 'v2';
const IV_BYTES = 12;
const KEY_ID_BYTES = 6;

/** One AUTH_SECRET_KEY's derived keys. */
interface DerivedKeys {
  /** HKDF output published in boxes: tells which secret sealed one without trying them all. */
  id: string;
  lookup: Buffer;
  encryption: Buffer;
}

function derive(secret: Buffer): DerivedKeys {
  const key = (info: string, bytes = 32) =>
    Buffer.from(hkdfSync('sha256', secret, '', info, bytes));
  return {
    id: key('portico secret key id', KEY_ID_BYTES).toString('base64url'),
    lookup: key('portico api key lookup'),
    encryption: key('portico api key encryption'),
  };
}

/**
 * What the rotation task learns of a box: sealed by the current secret (in the current format,
 * nothing to do), `legacy` (the first format, opened by the current secret), `previous` (opened
 * by an older secret) or `unreadable` (no configured secret opens it).
 */
export type BoxState =
  { state: 'current' } | { state: 'legacy' | 'previous'; value: string } | { state: 'unreadable' };

/**
 * The auth service's secrets, derived with HKDF from AUTH_SECRET_KEY (and, during a rotation,
 * from each of AUTH_PREVIOUS_SECRET_KEYS): a keyed hash (HMAC-SHA256) that API keys are found
 * by, so the store holds no value it could be searched with, and AES-256-GCM for the values
 * themselves, so GetApiKey can still show one. A box is `v2.<key id>.<iv>.<tag>.<ciphertext>`
 * (base64url), sealed by the current secret; `v1.<iv>.<tag>.<ciphertext>` boxes (before key ids)
 * are tried with the current secret, then the previous ones. A box altered in any byte fails to
 * open.
 */
export class SecretBox {
  private readonly logger = new Logger(SecretBox.name);
  private readonly current: DerivedKeys;
  private readonly previous: DerivedKeys[];

  constructor(secret: Buffer, previousSecrets: Buffer[] = []) {
    this.current = derive(secret);
    this.previous = previousSecrets.map(derive);
  }

  /** Whether older secrets are configured: a rotation is under way. */
  get rotating(): boolean {
    return this.previous.length > 0;
  }

  /** The keyed hash of a value under the current secret: what the store indexes keys by. */
  digest(value: string): string {
    return hmac(this.current, value);
  }

  /** The value's keyed hash under every configured secret, the current one first. */
  digests(value: string): string[] {
    return [this.current, ...this.previous].map((keys) => hmac(keys, value));
  }

  seal(value: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.encryption, iv);
    const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return [VERSION, this.current.id, ...[iv, cipher.getAuthTag(), sealed].map(b64url)].join('.');
  }

  /** The value in a box; throws when the box was altered or no configured secret sealed it. */
  open(box: string): string {
    const opened = this.unseal(box);
    if (!opened) throw new Error('No configured secret key opens the sealed value');
    return opened.value;
  }

  /**
   * The value in a stored record's box; when it cannot be opened, an error log naming the
   * record (never the box) and an Internal error for the caller.
   */
  openStored(box: string, record: Record<string, string>): string {
    try {
      return this.open(box);
    } catch (err) {
      this.logger.error(
        { ...record, err: String(err) },
        'A stored secret cannot be opened: sealed by a key that is not configured (AUTH_SECRET_KEY, AUTH_PREVIOUS_SECRET_KEYS), or altered',
      );
      throw new ServiceError('Internal', 'The stored secret cannot be read');
    }
  }

  /** Which secret sealed a box, and its value when it is to be sealed again. */
  inspect(box: string): BoxState {
    const parts = box.split('.');
    if (parts[0] === VERSION && parts[1] === this.current.id) return { state: 'current' };
    let opened: { value: string; keys: DerivedKeys } | undefined;
    try {
      opened = this.unseal(box);
    } catch {
      opened = undefined;
    }
    if (!opened) return { state: 'unreadable' };
    return { state: opened.keys === this.current ? 'legacy' : 'previous', value: opened.value };
  }

  private unseal(box: string): { value: string; keys: DerivedKeys } | undefined {
    const parts = box.split('.');
    if (parts[0] === VERSION && parts.length === 5) {
      const keys = [this.current, ...this.previous].find((k) => k.id === parts[1]);
      const value = keys && decrypt(keys, parts.slice(2));
      return value === undefined ? undefined : { value, keys: keys! };
    }
    if (parts[0] === LEGACY && parts.length === 4) {
      for (const keys of [this.current, ...this.previous]) {
        const value = decrypt(keys, parts.slice(1));
        if (value !== undefined) return { value, keys };
      }
      return undefined;
    }
    throw new Error('Not a sealed API key value');
  }
}

function hmac(keys: DerivedKeys, value: string): string {
  return createHmac('sha256', keys.lookup).update(value, 'utf8').digest('base64url');
}

function b64url(part: Buffer): string {
  return part.toString('base64url');
}

/** The plaintext, or undefined when these keys did not seal it (or it was altered). */
function decrypt(keys: DerivedKeys, [iv, tag, sealed]: string[]): string | undefined {
  try {
    // The tag's length is fixed: a truncated tag would be easier to forge.
    const decipher = createDecipheriv(
      'aes-256-gcm',
      keys.encryption,
      Buffer.from(iv!, 'base64url'),
      {
        authTagLength: 16,
      },
    );
    decipher.setAuthTag(Buffer.from(tag!, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(sealed!, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return undefined;
  }
}

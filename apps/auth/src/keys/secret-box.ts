import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;

/**
 * The auth service's secrets, derived with HKDF from AUTH_SECRET_KEY: a keyed hash (HMAC-SHA256)
 * that API keys are found by, so the store holds no value it could be searched with, and
 * AES-256-GCM for the values themselves, so GetApiKey can still show one. A value's box is
 * `v1.<iv>.<tag>.<ciphertext>` (base64url); a box altered in any byte fails to open.
 */
export class SecretBox {
  private readonly lookupKey: Buffer;
  private readonly encryptionKey: Buffer;

  constructor(secret: Buffer) {
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, '', info, 32));
    this.lookupKey = derive('portico api key lookup');
    this.encryptionKey = derive('portico api key encryption');
  }

  /** The keyed hash of a value: what the store indexes keys by. */
  digest(value: string): string {
    return createHmac('sha256', this.lookupKey).update(value, 'utf8').digest('base64url');
  }

  seal(value: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), sealed]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** The value in a box; throws when the box was altered or sealed with another secret. */
  open(box: string): string {
    const [version, iv, tag, sealed] = box.split('.');
    if (version !== VERSION || !iv || !tag || sealed === undefined) {
      throw new Error('Not a sealed API key value');
    }
    const decipher = createDecipheriv(
      'aes-256-gcm',
      this.encryptionKey,
      Buffer.from(iv, 'base64url'),
    );
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(sealed, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }
}

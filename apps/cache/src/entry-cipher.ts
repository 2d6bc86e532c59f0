import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals cached entries with AES-256-GCM when CACHE_ENCRYPTION_KEY is set: `iv | tag | ciphertext`,
 * with the entry's Redis key as associated data, so a sealed entry copied under another key does
 * not open. Without a key, entries pass as they are.
 */
export class EntryCipher {
  private readonly key: Buffer | undefined;

  constructor(base64Key: string | undefined) {
    this.key = base64Key === undefined ? undefined : Buffer.from(base64Key, 'base64');
    if (this.key && this.key.length !== 32) {
      throw new Error('CACHE_ENCRYPTION_KEY must be base64 of 32 bytes');
    }
  }

  seal(plain: Buffer, redisKey: string): Buffer {
    if (!this.key) return plain;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(redisKey));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** Throws when the entry was altered, sealed under another key, or not sealed at all. */
  open(sealed: Buffer, redisKey: string): Buffer {
    if (!this.key) return sealed;
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('sealed entry too short');
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(redisKey));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]);
  }
}

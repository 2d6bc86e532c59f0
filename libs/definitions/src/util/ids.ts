import { createHash, randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const RESOURCE_ID_SPACE = 36n ** 10n;

/**
 * Stable 10-char lowercase alphanumeric resource id derived from the path, so a re-import or a
 * merge gives a resource the same id it had before (AWS keeps ids across PutRestApi too).
 */
export function resourceIdFor(path: string): string {
  const digest = createHash('sha256').update(path).digest();
  return (digest.readBigUInt64BE(0) % RESOURCE_ID_SPACE).toString(36).padStart(10, '0');
}

/** Random lowercase alphanumeric id, like AWS api and deployment ids (`a1b2c3d4e5`). */
export function generateId(length = 10): string {
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

/** A variable name a file entry may take its secret from. */
export const ENV_NAME_SCHEMA = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } as const;

/** How one kind of entry names its secret and what the auth service accepts. */
export interface SecretField {
  /** The inline field (`value`) and the variable's field (`valueEnv`). */
  inline: string;
  fromEnv: string;
  /** What the message calls it (`the key's value`). */
  what: string;
  min: number;
  max: number;
}

/**
 * An entry's secret, given inline or named by a variable of control's environment (exactly one
 * of the two), checked as the auth service checks it: `min` to `max` printable ASCII characters
 * without spaces. Messages name the field, never the secret: they end up in logs.
 */
export function resolveSecret(
  entry: Readonly<Record<string, unknown>>,
  field: SecretField,
  at: string,
  env: Readonly<Record<string, string | undefined>>,
  fail: (message: string) => Error,
): string {
  const inline = entry[field.inline] as string | undefined;
  const name = entry[field.fromEnv] as string | undefined;
  if ((inline === undefined) === (name === undefined)) {
    throw fail(`${at} needs one of ${field.inline} and ${field.fromEnv}`);
  }
  const secret = name === undefined ? inline : env[name];
  if (name !== undefined && (secret === undefined || secret === '')) {
    throw fail(`${at}.${field.fromEnv} names ${name}, which is not set`);
  }
  if (
    secret === undefined ||
    secret.length < field.min ||
    secret.length > field.max ||
    !/^[\x21-\x7e]+$/.test(secret)
  ) {
    throw fail(
      `${at}: ${field.what} must be ${field.min} to ${field.max} printable ASCII characters without spaces`,
    );
  }
  return secret;
}
